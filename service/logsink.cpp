#include "logsink.h"

#include "isotime.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <cstdio>

namespace ssebuf {

namespace {

bool g_json = false; // set once in main() before any thread starts

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

// A text log line stays one line whatever a message carries (a request path may hold an
// encoded CR or LF): control characters are written as escapes, so no input forges a line.
QByteArray escapeControls(const QString &message)
{
    const QByteArray bytes = message.toUtf8();
    QByteArray out;
    out.reserve(bytes.size());
    for (const char c : std::as_const(bytes)) {
        const uchar u = uchar(c);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (u < 0x20 || u == 0x7f)
            out += "\\x" + QByteArray::number(u, 16).rightJustified(2, '0');
        else
            out += c;
    }
    return out;
}

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QString time = isoUtcFromMs(QDateTime::currentMSecsSinceEpoch());
    const char *category = context.category ? context.category : "default";
    QByteArray line;
    if (g_json) {
        QJsonObject json {{QStringLiteral("time"), time},
                          {QStringLiteral("level"), QLatin1String(levelName(type))},
                          {QStringLiteral("category"), QLatin1String(category)},
                          {QStringLiteral("message"), message}};
        line = QJsonDocument(json).toJson(QJsonDocument::Compact);
    } else {
        line = time.toUtf8() + ' ' + QByteArray(levelName(type)).toUpper() + ' ' + category + ": "
            + escapeControls(message);
    }
    line += '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace

void LogSink::install(const QString &level, const QString &format)
{
    g_json = format == QLatin1String("json");
    QString rules = QStringLiteral("qt.*.debug=false\n");
    if (level == QLatin1String("info"))
        rules += QStringLiteral("*.debug=false\n");
    else if (level == QLatin1String("warning"))
        rules += QStringLiteral("*.debug=false\n*.info=false\n");
    else if (level == QLatin1String("error"))
        rules += QStringLiteral("*.debug=false\n*.info=false\n*.warning=false\n");
    else
        rules += QStringLiteral("ssebuf.*.debug=true\n");
    QLoggingCategory::setFilterRules(rules);
    qInstallMessageHandler(handleMessage);
}

} // namespace ssebuf
