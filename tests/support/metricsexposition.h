#ifndef SSEBUF_TEST_METRICSEXPOSITION_H
#define SSEBUF_TEST_METRICSEXPOSITION_H

// The test kit's reader of GET /metrics (header only, namespace testkit): the Prometheus text
// exposition parsed into samples, HELP and TYPE, with every line that breaks the format.

#include "httptestclient.h"
#include "serviceprocess.h"

#include <QMap>
#include <QRegularExpression>
#include <QStringList>

namespace testkit {

// Prometheus text exposition: sample name (with its labels as written) -> value.
struct Exposition
{
    QMap<QString, double> samples;
    QMap<QString, QString> help;
    QMap<QString, QString> type;
    QStringList problems; // lines that break the format

    double value(const QString &sample, double fallback = -1) const
    {
        return samples.value(sample, fallback);
    }
};

inline Exposition parseExposition(const QByteArray &text)
{
    static const QRegularExpression sampleLine(QStringLiteral(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (-?[0-9.eE+]+|NaN|\+Inf|-Inf)$)"));
    static const QRegularExpression metaLine(
        QStringLiteral(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)"));
    Exposition result;
    if (!text.endsWith('\n'))
        result.problems.append(QStringLiteral("the exposition does not end with a newline"));
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &raw : lines) {
        const QString line = QString::fromUtf8(raw);
        if (line.isEmpty())
            continue;
        if (line.startsWith(QLatin1Char('#'))) {
            const auto match = metaLine.match(line);
            if (!match.hasMatch()) {
                result.problems.append(QStringLiteral("bad comment line: ") + line);
                continue;
            }
            if (match.captured(1) == QLatin1String("HELP"))
                result.help.insert(match.captured(2), match.captured(3));
            else
                result.type.insert(match.captured(2), match.captured(3));
            continue;
        }
        const auto match = sampleLine.match(line);
        if (!match.hasMatch()) {
            result.problems.append(QStringLiteral("bad sample line: ") + line);
            continue;
        }
        QString family = match.captured(1);
        // A histogram's samples carry suffixes of its family name.
        for (const char *suffix : {"_bucket", "_sum", "_count"}) {
            const QString base = family.chopped(qMin(family.size(), qsizetype(qstrlen(suffix))));
            if (family.endsWith(QLatin1String(suffix))
                && result.type.value(base) == QLatin1String("histogram"))
                family = base;
        }
        if (!result.type.contains(family) || !result.help.contains(family))
            result.problems.append(QStringLiteral("sample before its HELP and TYPE: ") + line);
        result.samples.insert(match.captured(1) + match.captured(2), match.captured(3).toDouble());
    }
    return result;
}

// The value of one sample of /metrics ("name" or "name{labels}") as written; -1 when absent.
inline qint64 metricSample(HttpTestClient &http, const ServiceProcess &service,
                           const QString &sample,
                           const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    const HttpTestReply reply = http.get(service.url(QStringLiteral("/metrics")), headers);
    const QByteArray prefix = sample.toUtf8() + ' ';
    for (const QByteArray &line : reply.body.split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().toLongLong();
    }
    return -1;
}

inline Exposition fetchMetrics(HttpTestClient &http, const ServiceProcess &service,
                               const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    const HttpTestReply reply = http.get(service.url(QStringLiteral("/metrics")), headers);
    if (reply.status != 200) {
        Exposition failed;
        failed.problems.append(QStringLiteral("GET /metrics answered %1").arg(reply.status));
        return failed;
    }
    return parseExposition(reply.body);
}

} // namespace testkit

#endif
