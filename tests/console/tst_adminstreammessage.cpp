#include <adminstreammessage.h>

#include <QTest>

using ssebuf::AdminStreamMessage;
using Kind = ssebuf::AdminStreamMessage::Kind;

static QByteArray summaryJson(const char *id, const char *state = "running", int events = 3)
{
    return QByteArray(R"({"session_id": ")") + id
        + R"(", "user_id": "demo_user", "mode": "autonomous", "state": ")" + state
        + R"(", "created_at": "2026-11-25T06:12:22.123Z", "updated_at": "2026-11-25T06:12:22.400Z", "event_count": )"
        + QByteArray::number(events) + R"(, "first_seq": 1, "last_seq": )"
        + QByteArray::number(events)
        + R"(, "buffered_bytes": 912, "dropped_events": 0, "subscribers": 1, "expires_at": "2026-11-25T06:17:22.400Z"})";
}

class tst_AdminStreamMessage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void kinds_data();
    void kinds();
    void snapshot();
    void eventAppended();
    void subscriber();
    void removed();
    void rejects_data();
    void rejects();
};

void tst_AdminStreamMessage::kinds_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("sessionId");
    const QByteArray s = summaryJson("session_a");
    QTest::newRow("created") << (R"({"kind": "session_created", "session": )" + s + "}")
                             << int(Kind::SessionCreated) << "session_a";
    QTest::newRow("ended") << (R"({"kind": "session_ended", "session": )"
                               + summaryJson("session_a", "completed") + "}")
                           << int(Kind::SessionEnded) << "session_a";
    QTest::newRow("evicted") << (R"({"kind": "events_evicted", "evicted": 4, "session": )" + s
                                 + "}")
                             << int(Kind::EventsEvicted) << "session_a";
    QTest::newRow("unknown kind keeps session")
        << (R"({"kind": "session_renamed", "session": )" + s + "}") << int(Kind::Unknown)
        << "session_a";
}

void tst_AdminStreamMessage::kinds()
{
    QFETCH(QByteArray, json);
    QFETCH(int, kind);
    QFETCH(QString, sessionId);
    QString error;
    const auto message = AdminStreamMessage::fromJson(json, &error);
    QVERIFY2(message.has_value(), qPrintable(error));
    QCOMPARE(int(message->kind), kind);
    QCOMPARE(message->sessionId(), sessionId);
    QCOMPARE(message->session.userId, QStringLiteral("demo_user"));
    if (message->kind == Kind::EventsEvicted)
        QCOMPARE(message->evicted, 4);
}

void tst_AdminStreamMessage::snapshot()
{
    const QByteArray json
        = R"({"kind": "snapshot", "service": {"version": "1.0.0", "started_at": "2026-11-25T06:00:00.000Z", "store": "memory", "pipeline": "demo"}, "sessions": [)"
        + summaryJson("session_a") + "," + summaryJson("session_b", "failed", 9) + "]}";
    const auto message = AdminStreamMessage::fromJson(json);
    QVERIFY(message);
    QCOMPARE(message->kind, Kind::Snapshot);
    QCOMPARE(message->sessions.size(), 2);
    QCOMPARE(message->sessions.at(1).sessionId, QStringLiteral("session_b"));
    QCOMPARE(sessionStateName(message->sessions.at(1).state), QStringLiteral("failed"));
    QCOMPARE(message->sessions.at(1).lastSeq, 9);
    QCOMPARE(message->sessions.at(0).bufferedBytes, 912);
    QCOMPARE(message->sessions.at(0).expiresAtMs,
             QDateTime(QDate(2026, 11, 25), QTime(6, 17, 22, 400), Qt::UTC).toMSecsSinceEpoch());
    QCOMPARE(message->service.version, QStringLiteral("1.0.0"));
    QCOMPARE(message->service.store, QStringLiteral("memory"));
    QCOMPARE(message->service.pipeline, QStringLiteral("demo"));
    QCOMPARE(message->service.startedAtMs,
             QDateTime(QDate(2026, 11, 25), QTime(6, 0), Qt::UTC).toMSecsSinceEpoch());
    QVERIFY(message->sessionId().isEmpty());
}

void tst_AdminStreamMessage::eventAppended()
{
    const QByteArray json = R"({"kind": "event_appended", "session": )" + summaryJson("session_a")
        + R"(, "event": {"seq": 3, "type": "progress", "status": "running", "stage": "planning", "progress": 35, "final": false, "timestamp": "2026-11-25T06:12:22.400Z", "bytes": 240}})";
    const auto message = AdminStreamMessage::fromJson(json);
    QVERIFY(message);
    QCOMPARE(message->kind, Kind::EventAppended);
    QCOMPARE(message->event.seq, 3);
    QCOMPARE(message->event.type, QStringLiteral("progress"));
    QCOMPARE(message->event.stage, QStringLiteral("planning"));
    QCOMPARE(message->event.progress, 35);
    QCOMPARE(message->event.isFinal, false);
    QCOMPARE(message->event.bytes, 240);
    QCOMPARE(message->session.eventCount, 3);
}

void tst_AdminStreamMessage::subscriber()
{
    const QByteArray json
        = R"({"kind": "subscriber_disconnected", "reason": "slow_consumer", "session": )"
        + summaryJson("session_a")
        + R"(, "subscriber": {"id": 7, "peer": "127.0.0.1:53422", "resume_from": 2, "next_seq": 4, "events_sent": 1, "lag_bytes": 1048577, "connected_at": "2026-11-25T06:12:22.123Z"}})";
    const auto message = AdminStreamMessage::fromJson(json);
    QVERIFY(message);
    QCOMPARE(message->kind, Kind::SubscriberDisconnected);
    QCOMPARE(message->reason, QStringLiteral("slow_consumer"));
    QCOMPARE(message->subscriber.id, 7);
    QCOMPARE(message->subscriber.peer, QStringLiteral("127.0.0.1:53422"));
    QCOMPARE(message->subscriber.resumeFrom, 2);
    QCOMPARE(message->subscriber.nextSeq, 4);
    QCOMPARE(message->subscriber.eventsSent, 1);
    QCOMPARE(message->subscriber.lagBytes, 1048577);
}

void tst_AdminStreamMessage::removed()
{
    const auto message = AdminStreamMessage::fromJson(
        R"({"kind": "session_removed", "session_id": "session_x", "reason": "expired"})");
    QVERIFY(message);
    QCOMPARE(message->kind, Kind::SessionRemoved);
    QCOMPARE(message->sessionId(), QStringLiteral("session_x"));
    QCOMPARE(message->reason, QStringLiteral("expired"));
    QVERIFY(!message->hasSession);
}

void tst_AdminStreamMessage::rejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("not json") << QByteArray("{kind") << "invalid JSON";
    QTest::newRow("array") << QByteArray("[1]") << "not a JSON object";
    QTest::newRow("no kind") << QByteArray(R"({"session_id": "x"})") << "without \"kind\"";
    QTest::newRow("created without session")
        << QByteArray(R"({"kind": "session_created"})") << "without a session summary";
    QTest::newRow("removed without id")
        << QByteArray(R"({"kind": "session_removed"})") << "without session_id";
}

void tst_AdminStreamMessage::rejects()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!AdminStreamMessage::fromJson(json, &actual));
    QVERIFY2(actual.contains(error), qPrintable(actual));
}

QTEST_GUILESS_MAIN(tst_AdminStreamMessage)
#include "tst_adminstreammessage.moc"
