#include "demopipeline.h"

#include <QJsonObject>
#include <QRegularExpression>

namespace ssebuf {

namespace {

struct DemoStage
{
    const char *stage;
    int progress;
    const char *message;
};

constexpr DemoStage kStages[] = {
    {"received", 0, "Request received"},
    {"analyzing", 15, "Analyzing the repository structure"},
    {"planning", 35, "Planning the refactoring"},
    {"refactoring", 60, "Applying changes"},
    {"testing", 80, "Running the test suite"},
    {"reviewing", 95, "Reviewing the diff"},
};
constexpr int kStageCount = int(sizeof(kStages) / sizeof(kStages[0]));

} // namespace

DemoProducer::DemoProducer(const StartRequest &request, int stepMs, QObject *parent)
    : SessionProducer(parent)
    , m_prompt(request.prompt)
{
    m_stepTimer.setInterval(stepMs);
    connect(&m_stepTimer, &QTimer::timeout, this, &DemoProducer::stepTimer_timeout);
}

bool DemoProducer::isConversational(const QString &prompt)
{
    static const QRegularExpression greeting(
        QStringLiteral(
            "^(hello|hi|hey|hiya|howdy|hola|greetings|yo|good (morning|afternoon|evening|day)|"
            "thanks|thank you|how are you|what's up|whats up)\\b[\\w\\s,'!?.]{0,40}$"),
        QRegularExpression::CaseInsensitiveOption);
    return greeting.match(prompt.trimmed()).hasMatch();
}

void DemoProducer::start()
{
    if (isConversational(m_prompt)) {
        // A zero timer: the greeting is produced on the next event-loop turn after the POST
        // is answered, well within the contract's 300 ms.
        QTimer::singleShot(0, this, [this] {
            if (m_stopped)
                return;
            EventDraft greeting;
            greeting.type = QStringLiteral("greeting");
            greeting.status = SessionState::Completed;
            greeting.message = QStringLiteral(
                "Hello! I'm the ssebuf demo assistant. Ask me to refactor some code and I'll "
                "stream my progress.");
            greeting.final = true;
            Q_EMIT eventProduced(greeting);
            m_stopped = true;
            Q_EMIT finished();
        });
        return;
    }
    stepTimer_timeout();
    m_stepTimer.start();
}

void DemoProducer::stop()
{
    m_stopped = true;
    m_stepTimer.stop();
}

void DemoProducer::stepTimer_timeout()
{
    if (m_stopped)
        return;
    EventDraft event;
    if (m_step < kStageCount) {
        const DemoStage &stage = kStages[m_step];
        event.type = QStringLiteral("progress");
        event.stage = QLatin1String(stage.stage);
        event.progress = stage.progress;
        event.message = QLatin1String(stage.message);
        ++m_step;
        Q_EMIT eventProduced(event);
        return;
    }
    event.type = QStringLiteral("result");
    event.status = SessionState::Completed;
    event.stage = QStringLiteral("done");
    event.progress = 100;
    event.message = QStringLiteral("Refactoring completed");
    event.data = QJsonObject {
        {QStringLiteral("files_changed"), 3},
        {QStringLiteral("summary"), QStringLiteral("Extracted 2 functions, renamed 5 symbols")}};
    event.final = true;
    stop();
    Q_EMIT eventProduced(event);
    Q_EMIT finished();
}

SessionProducer *DemoPipeline::createProducer(const QString &, const StartRequest &request,
                                              QObject *parent)
{
    return new DemoProducer(request, m_stepMs, parent);
}

} // namespace ssebuf
