// Router: method and path to a handler, "{}" captures one segment, another method on a
// known path is 405 with Allow, an unknown path a JSON 404. Exchanges sit on a real
// loopback connection, so the test reads the answer as a client would.
#include "loopbackpair.h"

#include "http/httpexchange.h"
#include "http/router.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

using namespace ssebuf;

class tst_Router : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void literalRoute();
    void capturesSegments();
    void malformedSessionIdIsNotDispatched();
    // Every position of a valid id, changed to each neighbour of the allowed ranges, is
    // judged as the contract's pattern judges it.
    void sessionIdFormMatchesThePattern();
    // An empty capture never matches; another method on a known path is 405 with Allow.
    void notDispatched_data();
    void notDispatched();
    void unknownPathIs404();
    void firstMatchingRouteWins();

private:
    // Dispatches a request with that method and path; returns what the client read.
    QByteArray dispatch(const QByteArray &method, const QStringList &segments,
                        QString *routeName = nullptr, int *status = nullptr);

    Router m_router;
    QStringList m_calls;
};

void tst_Router::init()
{
    m_router = Router();
    m_calls.clear();
    auto answer = [this](const QString &name) {
        return [this, name](HttpExchange &exchange, const QStringList &captures) {
            m_calls.append(name + QLatin1Char('(') + captures.join(QLatin1Char(',')) + ')');
            exchange.respond(HttpResponse::empty(204));
        };
    };
    m_router.add("GET", QStringLiteral("/healthz"), answer(QStringLiteral("health")));
    m_router.add("GET", QStringLiteral("/api/refactor/{}/sse"), answer(QStringLiteral("sse")));
    m_router.add("POST", QStringLiteral("/api/sessions/{}/events"),
                 answer(QStringLiteral("publish")));
    m_router.add("GET", QStringLiteral("/api/admin/sessions/{}"), answer(QStringLiteral("show")));
    m_router.add("DELETE", QStringLiteral("/api/admin/sessions/{}"),
                 answer(QStringLiteral("delete")));
    m_router.add("GET", QStringLiteral("/a/{}/{}"), answer(QStringLiteral("two")));
    m_router.add("GET", QStringLiteral("/a/b/c"), answer(QStringLiteral("literal")));
}

QByteArray tst_Router::dispatch(const QByteArray &method, const QStringList &segments,
                                QString *routeName, int *status)
{
    LoopbackPair pair;
    if (!pair.open())
        return "no connection";
    HttpRequest request;
    request.method = method;
    request.segments = segments;
    request.path = QLatin1Char('/') + segments.join(QLatin1Char('/'));
    auto *exchange = new HttpExchange(request, pair.server, false);
    QSignalSpy answered(exchange, &HttpExchange::answered);
    m_router.dispatch(*exchange);
    if (answered.count() != 1)
        return "not answered";
    if (routeName)
        *routeName = answered.at(0).at(1).toString();
    if (status)
        *status = answered.at(0).at(2).toInt();
    return pair.readUntil("\r\n\r\n");
}

void tst_Router::literalRoute()
{
    QString route;
    int status = 0;
    const QByteArray bytes = dispatch("GET", {QStringLiteral("healthz")}, &route, &status);
    QCOMPARE(m_calls, QStringList {QStringLiteral("health()")});
    QCOMPARE(route, QStringLiteral("/healthz"));
    QCOMPARE(status, 204);
    QVERIFY2(bytes.startsWith("HTTP/1.1 204 No Content\r\n"), bytes.constData());
}

void tst_Router::capturesSegments()
{
    QString route;
    const QString first
        = QStringLiteral("session_20261201_120000_0123456789abcdef0123456789abcdef");
    const QString second
        = QStringLiteral("session_20261201_120001_fedcba9876543210fedcba9876543210");
    dispatch("GET", {"api", "refactor", first, "sse"}, &route);
    dispatch("POST", {"api", "sessions", second, "events"});
    dispatch("GET", {"a", "x", "y"});
    QCOMPARE(m_calls, (QStringList {"sse(" + first + ")", "publish(" + second + ")", "two(x,y)"}));
    QCOMPARE(route, QStringLiteral("/api/refactor/{}/sse"));
}

// A capture after "refactor" or "sessions" is a session id: one without the contract's form
// is a 404 before the handler runs (issue 15).
void tst_Router::malformedSessionIdIsNotDispatched()
{
    for (const QString &id :
         {QStringLiteral("session_1"), QStringLiteral("s 2"), QStringLiteral("ssebuf:sessions"),
          QStringLiteral("session_20261201_120000_0123456789ABCDEF0123456789ABCDEF"),
          QStringLiteral("session_20261201_12000_0123456789abcdef0123456789abcdef0")}) {
        QString route;
        int status = 0;
        const QByteArray bytes = dispatch("GET", {"api", "refactor", id, "sse"}, &route, &status);
        QCOMPARE(status, 404);
        QVERIFY2(bytes.contains("session_not_found"), bytes.constData());
        dispatch("POST", {"api", "sessions", id, "events"}, &route, &status);
        QCOMPARE(status, 404);
    }
    QVERIFY(m_calls.isEmpty());
    QVERIFY(Router::isValidSessionId(
        QStringLiteral("session_20261201_120000_0123456789abcdef0123456789abcdef")));
}

void tst_Router::sessionIdFormMatchesThePattern()
{
    const QRegularExpression pattern(QStringLiteral("^session_[0-9]{8}_[0-9]{6}_[0-9a-f]{32}$"));
    const QString valid
        = QStringLiteral("session_20261201_120000_0123456789abcdef0123456789abcdef");
    QVERIFY(Router::isValidSessionId(valid));
    const QList<QChar> probes {u'/', u'0', u'9',        u':',          u'`',
                               u'a', u'f', u'g',        u'A',          u'F',
                               u'_', u's', QChar(0xe9), QChar(0x0660), QChar(0xff10)};
    int checked = 0;
    for (int i = 0; i < valid.size(); ++i) {
        for (const QChar probe : probes) {
            QString id = valid;
            id[i] = probe;
            QCOMPARE(Router::isValidSessionId(id), pattern.match(id).hasMatch());
            ++checked;
        }
        // The bytes of a target (FastRequestPath): every byte value in every place.
        for (int byte = 0; byte < 256; ++byte) {
            QByteArray bytes = valid.toLatin1();
            bytes[i] = char(byte);
            QCOMPARE(Router::isValidSessionId(QByteArrayView(bytes)),
                     pattern.match(QString::fromLatin1(bytes)).hasMatch());
        }
    }
    QCOMPARE(checked, 56 * probes.size());
    QVERIFY(!Router::isValidSessionId(QByteArrayView(valid.toLatin1() + '0')));
    QVERIFY(!Router::isValidSessionId(QByteArrayView(valid.toLatin1().chopped(1))));
    QVERIFY(!Router::isValidSessionId(QByteArrayView()));
    QVERIFY(!Router::isValidSessionId(valid + u'0'));
    QVERIFY(!Router::isValidSessionId(valid.chopped(1)));
    QVERIFY(!Router::isValidSessionId(QString()));
}

void tst_Router::notDispatched_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QStringList>("segments");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("route");
    QTest::addColumn<QByteArray>("head"); // expected in the answer's head
    QTest::newRow("empty capture")
        << QByteArray("GET") << QStringList {"api", "refactor", "", "sse"} << 404 << "not_found"
        << QByteArray("HTTP/1.1 404 Not Found\r\n");
    QTest::newRow("other method, Allow lists the methods")
        << QByteArray("PUT") << QStringList {"api", "admin", "sessions", "s1"} << 405
        << "method_not_allowed" << QByteArray("\r\nAllow: GET, DELETE\r\n");
}

void tst_Router::notDispatched()
{
    QFETCH(QByteArray, method);
    QFETCH(QStringList, segments);
    QFETCH(int, status);
    QFETCH(QString, route);
    QFETCH(QByteArray, head);
    int answeredStatus = 0;
    QString answeredRoute;
    const QByteArray bytes = dispatch(method, segments, &answeredRoute, &answeredStatus);
    QVERIFY(m_calls.isEmpty());
    QCOMPARE(answeredStatus, status);
    QCOMPARE(answeredRoute, route);
    QVERIFY2(bytes.startsWith("HTTP/1.1 " + QByteArray::number(status) + ' '), bytes.constData());
    QVERIFY2(bytes.contains(head), bytes.constData());
}

void tst_Router::unknownPathIs404()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    HttpRequest request;
    request.method = "GET";
    request.path = QStringLiteral("/nope");
    request.segments = {QStringLiteral("nope")};
    auto *exchange = new HttpExchange(request, pair.server, true);
    m_router.dispatch(*exchange);
    QByteArray bytes = pair.readUntil("\"}");
    QVERIFY2(bytes.startsWith("HTTP/1.1 404 Not Found\r\n"), bytes.constData());
    QVERIFY(bytes.contains("\r\nConnection: close\r\n"));
    const QJsonObject body
        = QJsonDocument::fromJson(bytes.mid(bytes.indexOf("\r\n\r\n") + 4)).object();
    QCOMPARE(body.value("error").toString(), QStringLiteral("not_found"));
    QCOMPARE(body.value("message").toString(), QStringLiteral("no route for GET /nope"));
}

void tst_Router::firstMatchingRouteWins()
{
    dispatch("GET", {"a", "b", "c"});
    QCOMPARE(m_calls, QStringList {QStringLiteral("two(b,c)")});
}

QTEST_GUILESS_MAIN(tst_Router)
#include "tst_router.moc"
