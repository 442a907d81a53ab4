#ifndef SSEBUF_CONFIGPARSING_H
#define SSEBUF_CONFIGPARSING_H

#include "serviceconfig.h"

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace ssebuf::config {

// The pieces of ConfigLoader that read one value or one file.
std::optional<bool> parseFlag(const QString &text);
bool parseListen(const QString &text, QHostAddress *address, quint16 *port);
// The INI file as documented: "[section]" lines, "key = value" lines and comment lines.
bool readIniSection(const QString &path, const QString &section,
                    QList<QPair<QString, QString>> *entries, QString *error);
// A token file: a trailing newline is ignored; an empty file is an error (what names the
// token in messages: "admin", "publish").
QByteArray readTokenFile(const QString &path, const char *what, QString *error);
// A token from its option, variable or INI key: the variable holds the token itself, the
// option and the key name a file. Set but empty is an error (contract 1.1 section 16).
QByteArray readToken(const QString &value, bool fromVariable, const char *what,
                     const QString &source, QString *error);

// Applies one of the hardening settings of contract 1.1 section 16 (and the exec producer
// cap and stderr options). Returns false when name is not one of them; fills *why when the
// value is invalid.
bool applyHardeningOption(const QString &name, const QString &value, qint64 number,
                          ServiceConfig *config, QString *why);

} // namespace ssebuf::config

#endif
