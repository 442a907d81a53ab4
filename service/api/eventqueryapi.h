#ifndef SSEBUF_EVENTQUERYAPI_H
#define SSEBUF_EVENTQUERYAPI_H

#include <QObject>

namespace ssebuf {

class HttpExchange;
class Router;
class SessionStore;
struct ReadResult;

// Contract section 15: GET /api/refactor/{id}/events?after=N&limit=M[&wait=S], a session's
// events as JSON without SSE, with a long poll: when nothing is after N yet, the answer
// waits up to S seconds for the next event (a session that has ended answers at once).
class EventQueryApi : public QObject
{
    Q_OBJECT
public:
    static constexpr int defaultLimit = 100;
    static constexpr int maxLimit = 1000;
    static constexpr int maxWaitSeconds = 60;

    EventQueryApi(SessionStore *store, int retryAfterSeconds, QObject *parent = nullptr);

    void registerRoutes(Router &router);

private:
    struct Query
    {
        QString sessionId;
        qint64 after = 0;
        int limit = defaultLimit;
        int waitSeconds = 0;
    };
    void events(HttpExchange &exchange, const QString &sessionId);
    void read(HttpExchange &exchange, const Query &query, bool mayWait);
    void wait(HttpExchange &exchange, const Query &query);
    void answer(HttpExchange &exchange, const Query &query, const ReadResult &result);

    SessionStore *m_store;
    int m_retryAfterSeconds;
};

} // namespace ssebuf

#endif
