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

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QString time = isoUtc(QDateTime::currentDateTimeUtc());
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
            + message.toUtf8();
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
