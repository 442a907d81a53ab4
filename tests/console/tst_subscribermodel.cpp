#include <inspector/subscribermodel.h>

#include <QAbstractItemModelTester>
#include <QTest>

using namespace ssebuf;

static SubscriberInfo subscriber(qint64 id, qint64 resumeFrom, qint64 nextSeq, qint64 lagBytes = 0)
{
    SubscriberInfo s;
    s.id = id;
    s.peer = QStringLiteral("127.0.0.1:%1").arg(50000 + id);
    s.resumeFrom = resumeFrom;
    s.nextSeq = nextSeq;
    s.eventsSent = nextSeq - 1 - resumeFrom;
    s.lagBytes = lagBytes;
    s.connectedAtMs = 1795000000000;
    return s;
}

class tst_SubscriberModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void lagAndResume();
    void upsertAndRemove();
    void listingOlderThanStreamMessages();
};

void tst_SubscriberModel::lagAndResume()
{
    SubscriberModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSubscribers({subscriber(1, 0, 4, 200), subscriber(2, 7, 11, 2048)});
    model.setSessionLastSeq(12);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, SubscriberModel::ResumeColumn).data().toString(),
             QStringLiteral("start"));
    QCOMPARE(model.index(1, SubscriberModel::ResumeColumn).data().toString(),
             QStringLiteral("after 7"));
    QCOMPARE(model.index(0, SubscriberModel::LagEventsColumn).data().toString(),
             QStringLiteral("9"));
    QCOMPARE(model.index(1, SubscriberModel::LagEventsColumn).data().toString(),
             QStringLiteral("2"));
    QCOMPARE(model.index(1, SubscriberModel::LagBytesColumn).data().toString(),
             QStringLiteral("2.0 KB"));
    QCOMPARE(model.index(1, SubscriberModel::SentColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.index(0, SubscriberModel::PeerColumn).data().toString(),
             QStringLiteral("127.0.0.1:50001"));
}

void tst_SubscriberModel::upsertAndRemove()
{
    SubscriberModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.upsert(subscriber(5, 0, 1));
    model.upsert(subscriber(6, 0, 1));
    model.upsert(subscriber(5, 0, 9));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.subscriberAt(0).nextSeq, 9);
    model.remove(5);
    model.remove(42);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.subscriberAt(0).id, 6);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

// The listing of GET /api/admin/sessions/{id} and the admin stream use two connections: a
// listing taken before a subscriber_disconnected (or _connected) may arrive after it.
void tst_SubscriberModel::listingOlderThanStreamMessages()
{
    SubscriberModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSubscribers({subscriber(1, 0, 4)});
    model.remove(1); // subscriber_disconnected
    model.upsert(subscriber(2, 0, 1)); // subscriber_connected
    model.applyListing({subscriber(1, 0, 4)}); // taken before both
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.subscriberAt(0).id, 2);
    // A newer listing updates the rows it names and drops the ones it no longer names.
    model.applyListing({subscriber(2, 0, 7), subscriber(3, 5, 6)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.subscriberAt(0).nextSeq, 7);
    model.applyListing({subscriber(3, 5, 6)});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.subscriberAt(0).id, 3);
}

QTEST_GUILESS_MAIN(tst_SubscriberModel)
#include "tst_subscribermodel.moc"
