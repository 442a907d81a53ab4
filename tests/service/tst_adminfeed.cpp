// AdminFeed in-process over a MemoryStore and a SubscriberHub: a client first gets the
// retry field and a snapshot (sessions and service info), then one message per change,
// in order; a client that does not read is cut off; closeAll() ends every client.
#include "admin/adminfeed.h"
#include "http/streamconnection.h"
#include "sse/subscriberhub.h"
#include "store/memorystore.h"

#include <sseparser.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace ssebuf;

namespace {

// An admin client's stream: it keeps what is written, or queues it when the client
// does not read.
class RecordingStream : public StreamConnection
{
    Q_OBJECT
public:
    bool isOpen() const override { return !m_closed; }
    qint64 unsentBytes() const override { return reading ? 0 : written.size(); }
    void write(const QByteArray &bytes) override { written += bytes; }
    void closeAfterFlush() override
    {
        closing = true;
        finish();
    }
    void abort() override
    {
        aborted = true;
        finish();
    }
    void finish()
    {
        if (m_closed)
            return;
        m_closed = true;
        Q_EMIT closed();
    }

    QByteArray written;
    bool reading = true;
    bool closing = false;
    bool aborted = false;

private:
    bool m_closed = false;
};

EventDraft draft(const QString &message, SessionState status = SessionState::Running)
{
    EventDraft draft;
    draft.type = QStringLiteral("progress");
    draft.status = status;
    draft.message = message;
    draft.progress = 40;
    draft.final = isTerminal(status);
    return draft;
}

} // namespace

class tst_AdminFeed : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void snapshotFirst();
    void lifecycleMessagesInOrder();
    void subscriberMessages();
    void slowClientIsCutOff();
    void closeAllEndsClients();

private:
    // Adds a client; returns its stream (owned by the feed).
    QPointer<RecordingStream> addClient();
    // Every message a stream received since the last call, as JSON objects.
    QList<QJsonObject> messages(RecordingStream *stream);
    QString createSession(const QString &userId);

    std::unique_ptr<MemoryStore> m_store;
    std::unique_ptr<SubscriberHub> m_hub;
    std::unique_ptr<AdminFeed> m_feed;
    SseParser m_parser;
    qsizetype m_read = 0;
    int m_nextSession = 0;
};

void tst_AdminFeed::init()
{
    m_store = std::make_unique<MemoryStore>(RetentionPolicy {});
    m_hub = std::make_unique<SubscriberHub>(m_store.get(), SseOptions {});
    ServiceInfo info;
    info.version = QStringLiteral("test");
    info.store = QStringLiteral("memory");
    m_feed = std::make_unique<AdminFeed>(m_store.get(), m_hub.get(), info, 65536, 15);
    m_parser = SseParser();
    m_read = 0;
}

void tst_AdminFeed::cleanup()
{
    m_feed.reset();
    m_hub.reset();
    m_store.reset();
}

QPointer<RecordingStream> tst_AdminFeed::addClient()
{
    auto stream = std::make_unique<RecordingStream>();
    QPointer<RecordingStream> observed = stream.get();
    m_feed->addClient(std::move(stream), QStringLiteral("127.0.0.1:1"));
    return observed;
}

QList<QJsonObject> tst_AdminFeed::messages(RecordingStream *stream)
{
    m_parser.feed(stream->written.mid(m_read));
    m_read = stream->written.size();
    QList<QJsonObject> result;
    for (const SseEvent &event : m_parser.takeEvents())
        result.append(QJsonDocument::fromJson(event.data).object());
    return result;
}

QString tst_AdminFeed::createSession(const QString &userId)
{
    const SessionRecord record {QStringLiteral("session_%1").arg(++m_nextSession), userId,
                                QStringLiteral("autonomous"),
                                QDateTime::currentMSecsSinceEpoch() + m_nextSession};
    CreateStatus status = CreateStatus::Unavailable;
    m_store->createSession(record, [&status](CreateStatus s) { status = s; });
    return status == CreateStatus::Created ? record.sessionId : QString();
}

void tst_AdminFeed::snapshotFirst()
{
    const QString first = createSession(QStringLiteral("alice"));
    const QString second = createSession(QStringLiteral("bob"));
    QPointer<RecordingStream> stream = addClient();
    QCOMPARE(m_feed->clientCount(), 1);
    QVERIFY(stream->written.startsWith("retry: 3000\n"));
    const QList<QJsonObject> received = messages(stream);
    QCOMPARE(m_parser.retryMs(), 3000);
    QCOMPARE(received.size(), 1);
    const QJsonObject snapshot = received.first();
    QCOMPARE(snapshot.value("kind").toString(), QStringLiteral("snapshot"));
    QCOMPARE(snapshot.value("service").toObject().value("version").toString(),
             QStringLiteral("test"));
    const QJsonArray sessions = snapshot.value("sessions").toArray();
    QCOMPARE(sessions.size(), 2);
    QCOMPARE(sessions.at(0).toObject().value("session_id").toString(), first);
    QCOMPARE(sessions.at(1).toObject().value("session_id").toString(), second);
    QCOMPARE(sessions.at(1).toObject().value("user_id").toString(), QStringLiteral("bob"));
    QCOMPARE(sessions.at(1).toObject().value("state").toString(), QStringLiteral("running"));
}

void tst_AdminFeed::lifecycleMessagesInOrder()
{
    QPointer<RecordingStream> stream = addClient();
    messages(stream); // the snapshot
    const QString id = createSession(QStringLiteral("carol"));
    auto ignore = [](const AppendResult &) {};
    m_store->appendEvent(id, draft(QStringLiteral("working")), ignore);
    m_store->appendEvent(id, draft(QStringLiteral("done"), SessionState::Completed), ignore);
    bool found = false;
    m_store->deleteSession(id, [&found](bool f) { found = f; });
    QVERIFY(found);

    const QList<QJsonObject> received = messages(stream);
    QStringList kinds;
    for (const QJsonObject &message : received)
        kinds.append(message.value("kind").toString());
    QCOMPARE(kinds,
             (QStringList {"session_created", "event_appended", "event_appended", "session_ended",
                           "session_removed"}));
    QCOMPARE(received.at(0).value("session").toObject().value("user_id").toString(),
             QStringLiteral("carol"));
    const QJsonObject event = received.at(1).value("event").toObject();
    QCOMPARE(event.value("seq").toInt(), 1);
    QCOMPARE(event.value("status").toString(), QStringLiteral("running"));
    QCOMPARE(event.value("progress").toInt(), 40);
    QVERIFY(!event.contains("message")); // the admin view leaves message and data out
    QCOMPARE(received.at(2).value("event").toObject().value("final").toBool(), true);
    QCOMPARE(received.at(3).value("session").toObject().value("state").toString(),
             QStringLiteral("completed"));
    QCOMPARE(received.at(4).value("session_id").toString(), id);
    QCOMPARE(received.at(4).value("reason").toString(), QStringLiteral("deleted"));
    // Live messages carry increasing ids.
    QCOMPARE(m_parser.lastEventId(), QByteArray("5"));
}

void tst_AdminFeed::subscriberMessages()
{
    const QString id = createSession(QStringLiteral("dave"));
    QPointer<RecordingStream> admin = addClient();
    messages(admin);
    auto subscriberStream = std::make_unique<RecordingStream>();
    QPointer<RecordingStream> subscriber = subscriberStream.get();
    m_hub->subscribe(std::move(subscriberStream), id, 0, QStringLiteral("10.0.0.7:5000"));
    QList<QJsonObject> received = messages(admin);
    QCOMPARE(received.size(), 1);
    QCOMPARE(received.at(0).value("kind").toString(), QStringLiteral("subscriber_connected"));
    QCOMPARE(received.at(0).value("session_id").toString(), id);
    QCOMPARE(received.at(0).value("subscriber").toObject().value("peer").toString(),
             QStringLiteral("10.0.0.7:5000"));
    QCOMPARE(received.at(0).value("session").toObject().value("subscribers").toInt(), 1);

    subscriber->finish(); // the client went away
    received = messages(admin);
    QCOMPARE(received.size(), 1);
    QCOMPARE(received.at(0).value("kind").toString(), QStringLiteral("subscriber_disconnected"));
    QCOMPARE(received.at(0).value("reason").toString(), QStringLiteral("client_closed"));
    QCOMPARE(received.at(0).value("session").toObject().value("subscribers").toInt(), 0);
}

void tst_AdminFeed::slowClientIsCutOff()
{
    QPointer<RecordingStream> stream = addClient();
    stream->reading = false;
    const QString id = createSession(QStringLiteral("erin"));
    auto ignore = [](const AppendResult &) {};
    // Each event_appended message is small; the session summaries repeat: keep appending
    // until the unsent bytes pass the bound (64 KiB + 4 MiB) and the feed aborts.
    for (int i = 0; i < 100000 && !stream->aborted; ++i) {
        EventDraft event = draft(QStringLiteral("m"));
        event.stage = QString(100, QLatin1Char('s'));
        m_store->appendEvent(id, event, ignore);
    }
    QVERIFY(stream->aborted);
    QVERIFY(stream->written.size() > 4 * 1024 * 1024);
    QTRY_COMPARE_WITH_TIMEOUT(m_feed->clientCount(), 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!stream, 5000); // a closed client's stream is deleted
}

void tst_AdminFeed::closeAllEndsClients()
{
    QPointer<RecordingStream> a = addClient();
    QPointer<RecordingStream> b = addClient();
    QCOMPARE(m_feed->clientCount(), 2);
    m_feed->closeAll();
    QVERIFY(a->closing);
    QVERIFY(b->closing);
    QTRY_COMPARE_WITH_TIMEOUT(m_feed->clientCount(), 0, 5000);
}

QTEST_GUILESS_MAIN(tst_AdminFeed)
#include "tst_adminfeed.moc"
