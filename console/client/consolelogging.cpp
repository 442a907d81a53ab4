#include "consolelogging.h"

Q_LOGGING_CATEGORY(lcConsole, "ssebuf.console")
