#include "sessionstate.h"

namespace ssebuf {

QString sessionStateName(SessionState state)
{
    switch (state) {
    case SessionState::Running:
        return QStringLiteral("running");
    case SessionState::Completed:
        return QStringLiteral("completed");
    case SessionState::Failed:
        return QStringLiteral("failed");
    }
    return QString();
}

std::optional<SessionState> sessionStateFromString(const QString &text)
{
    for (SessionState state : allSessionStates) {
        if (text == sessionStateName(state))
            return state;
    }
    return std::nullopt;
}

} // namespace ssebuf
