#ifndef SSEBUF_DEMOPIPELINE_H
#define SSEBUF_DEMOPIPELINE_H

#include "pipeline.h"

#include <QTimer>

namespace ssebuf {

// The built-in simulated assistant. A conversational prompt ("hello", "hi there",
// "thanks!") gets one greeting event at once; any other prompt gets staged progress events
// stepMs apart and a terminal "completed" event.
class DemoProducer : public SessionProducer
{
    Q_OBJECT
public:
    DemoProducer(const StartRequest &request, int stepMs, QObject *parent);

    void start() override;
    void stop() override;

    static bool isConversational(const QString &prompt);

private:
    void stepTimer_timeout();

    QString m_prompt;
    QTimer m_stepTimer;
    int m_step = 0;
    bool m_stopped = false;
};

class DemoPipeline : public Pipeline
{
public:
    explicit DemoPipeline(int stepMs)
        : m_stepMs(stepMs)
    {
    }
    QString name() const override { return QStringLiteral("demo"); }
    SessionProducer *createProducer(const QString &sessionId, const StartRequest &request,
                                    QObject *parent) override;

private:
    int m_stepMs;
};

} // namespace ssebuf

#endif
