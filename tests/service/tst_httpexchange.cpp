// HttpExchange's lifetime and reporting: owned by its connection's ResponseSequencer (so it goes
// with the socket), deleted inside dispatch() when answered there and by deleteLater() when
// answered later, answers written in request order, and the front end told of every answer
// by a call (no signal connection per request). On a real loopback connection.
#include "loopbackpair.h"

#include "http/httpexchange.h"
#include "http/httpfrontend.h"
#include "http/responsesequencer.h"
#include "http/router.h"

#include <QPointer>

#include <memory>

using namespace ssebuf;

class tst_HttpExchange : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goesWithItsSocket();
    void answeredInsideDispatchIsDeletedThere();
    void answeredLaterIsDeletedLater();
    void socketDeletedInsideDispatch();
    void answersKeepRequestOrder();
    void unansweredExchangeReleasesItsTurn();
    void frontEndIsToldOfEveryAnswer();
    void frontEndGoneBeforeTheAnswer();

private:
    static HttpRequest request(const QString &path)
    {
        HttpRequest request;
        request.method = "GET";
        request.path = path;
        request.segments = path.mid(1).split(QLatin1Char('/'));
        return request;
    }
};

void tst_HttpExchange::goesWithItsSocket()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    QPointer<HttpExchange> exchange(
        new HttpExchange(request(QStringLiteral("/a")), pair.server, false));
    QCOMPARE(exchange->parent(), nullptr); // the sequencer owns it, not the socket's children
    QPointer<ResponseSequencer> sequencer(ResponseSequencer::of(pair.server));
    QCOMPARE(sequencer->parent(), pair.server);
    delete pair.server;
    QVERIFY(sequencer.isNull());
    QVERIFY(exchange.isNull());
}

void tst_HttpExchange::answeredInsideDispatchIsDeletedThere()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    Router router;
    router.add("GET", QStringLiteral("/a"), [](HttpExchange &exchange, const QStringList &) {
        exchange.respond(HttpResponse::empty(204));
        QVERIFY(exchange.isAnswered()); // still there until the router returns
    });
    QPointer<HttpExchange> exchange(
        new HttpExchange(request(QStringLiteral("/a")), pair.server, false));
    exchange->dispatch(router);
    QVERIFY(exchange.isNull());
    QVERIFY(pair.readUntil("\r\n\r\n").startsWith("HTTP/1.1 204 No Content\r\n"));
}

void tst_HttpExchange::answeredLaterIsDeletedLater()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    Router router;
    QPointer<HttpExchange> waiting;
    router.add("GET", QStringLiteral("/a"),
               [&waiting](HttpExchange &exchange, const QStringList &) { waiting = &exchange; });
    auto *exchange = new HttpExchange(request(QStringLiteral("/a")), pair.server, false);
    QSignalSpy heard(exchange, &HttpExchange::answered); // emitted for what is connected
    exchange->dispatch(router);
    QCOMPARE(waiting.data(), exchange); // unanswered: it waits (for the store, say)
    waiting->respond(HttpResponse::empty(204));
    QCOMPARE(heard.count(), 1);
    QCOMPARE(heard.at(0).at(1).toString(), QStringLiteral("/a"));
    QCOMPARE(heard.at(0).at(2).toInt(), 204);
    QVERIFY(!waiting.isNull()); // not inside its own answer
    QTRY_VERIFY_WITH_TIMEOUT(waiting.isNull(), 5000);
    QVERIFY(pair.readUntil("\r\n\r\n").startsWith("HTTP/1.1 204 No Content\r\n"));
}

void tst_HttpExchange::socketDeletedInsideDispatch()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    Router router;
    QTcpSocket *socket = pair.server;
    router.add("GET", QStringLiteral("/a"), [socket](HttpExchange &exchange, const QStringList &) {
        exchange.respond(HttpResponse::empty(204));
        delete socket; // the exchange goes with it, before the router returns
    });
    QPointer<HttpExchange> exchange(new HttpExchange(request(QStringLiteral("/a")), socket, false));
    exchange->dispatch(router);
    QVERIFY(exchange.isNull());
}

void tst_HttpExchange::answersKeepRequestOrder()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    QPointer<HttpExchange> first(
        new HttpExchange(request(QStringLiteral("/first")), pair.server, false));
    QPointer<HttpExchange> second(
        new HttpExchange(request(QStringLiteral("/second")), pair.server, false));
    second->respond(HttpResponse::text(200, "text/plain", "second"));
    QCOMPARE(ResponseSequencer::of(pair.server)->heldAnswers(), 1);
    first->respond(HttpResponse::text(200, "text/plain", "first"));
    QCOMPARE(ResponseSequencer::of(pair.server)->heldAnswers(), 0);
    const QByteArray bytes = pair.readUntil("second");
    QVERIFY2(bytes.indexOf("first") >= 0 && bytes.indexOf("first") < bytes.indexOf("second"),
             bytes.constData());
}

void tst_HttpExchange::unansweredExchangeReleasesItsTurn()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    auto *first = new HttpExchange(request(QStringLiteral("/first")), pair.server, false);
    QPointer<HttpExchange> second(
        new HttpExchange(request(QStringLiteral("/second")), pair.server, false));
    second->respond(HttpResponse::text(200, "text/plain", "second"));
    QCOMPARE(ResponseSequencer::of(pair.server)->heldAnswers(), 1);
    delete first; // gone unanswered: the held answer goes out
    QCOMPARE(ResponseSequencer::of(pair.server)->heldAnswers(), 0);
    QVERIFY(pair.readUntil("second").startsWith("HTTP/1.1 200 OK\r\n"));
}

void tst_HttpExchange::frontEndIsToldOfEveryAnswer()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    Router router;
    router.add("GET", QStringLiteral("/a"), [](HttpExchange &exchange, const QStringList &) {
        exchange.respond(HttpResponse::empty(204));
    });
    HttpFrontend frontend(HttpLimits(), &router, nullptr);
    QSignalSpy reported(&frontend, &HttpFrontend::exchangeAnswered);
    for (const QString &path : {QStringLiteral("/a"), QStringLiteral("/b")}) {
        auto *exchange = new HttpExchange(request(path), pair.server, false);
        exchange->reportTo(&frontend);
        exchange->dispatch(router);
    }
    QCOMPARE(reported.count(), 2);
    QCOMPARE(reported.at(0).at(0).value<HttpRequest>().path, QStringLiteral("/a"));
    QCOMPARE(reported.at(0).at(1).toString(), QStringLiteral("/a"));
    QCOMPARE(reported.at(0).at(2).toInt(), 204);
    QCOMPARE(reported.at(1).at(1).toString(), QStringLiteral("not_found"));
    QCOMPARE(reported.at(1).at(2).toInt(), 404);
}

void tst_HttpExchange::frontEndGoneBeforeTheAnswer()
{
    LoopbackPair pair;
    QVERIFY(pair.open());
    Router router;
    auto frontend = std::make_unique<HttpFrontend>(HttpLimits(), &router, nullptr);
    QPointer<HttpExchange> exchange(
        new HttpExchange(request(QStringLiteral("/a")), pair.server, false));
    exchange->reportTo(frontend.get());
    frontend.reset();
    exchange->respond(HttpResponse::empty(204)); // nobody to tell: still answered
    QVERIFY(pair.readUntil("\r\n\r\n").startsWith("HTTP/1.1 204 No Content\r\n"));
    QTRY_VERIFY_WITH_TIMEOUT(exchange.isNull(), 5000);
}

QTEST_GUILESS_MAIN(tst_HttpExchange)
#include "tst_httpexchange.moc"
