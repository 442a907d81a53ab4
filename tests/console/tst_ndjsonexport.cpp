#include <inspector/ndjsonexport.h>

#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using ssebuf::NdjsonExport;

class tst_NdjsonExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void lines();
    void writesFile();
    void reportsUnwritablePath();
    void suggestedName();
};

void tst_NdjsonExport::lines()
{
    const QList<QJsonObject> events {{{"seq", 1}, {"message", "line one\nline two"}},
                                     {{"seq", 2}, {"message", QString::fromUtf8("héllo")}}};
    const QByteArray ndjson = NdjsonExport::toNdjson(events);
    const QList<QByteArray> lines = ndjson.split('\n');
    QCOMPARE(lines.size(), 3); // two lines and the empty rest after the final LF
    QVERIFY(lines.last().isEmpty());
    QCOMPARE(QJsonDocument::fromJson(lines.at(0)).object(), events.at(0));
    QCOMPARE(QJsonDocument::fromJson(lines.at(1)).object(), events.at(1));
    QCOMPARE(lines.at(0), QByteArray(R"({"message":"line one\nline two","seq":1})"));
    QVERIFY(NdjsonExport::toNdjson({}).isEmpty());
}

void tst_NdjsonExport::writesFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("out.ndjson");
    QString error;
    QVERIFY2(NdjsonExport::writeFile(path, {{{"seq", 1}}}, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("{\"seq\":1}\n"));
}

void tst_NdjsonExport::reportsUnwritablePath()
{
    QString error;
    QVERIFY(!NdjsonExport::writeFile("/nonexistent-dir/x/out.ndjson", {{{"seq", 1}}}, &error));
    QVERIFY2(error.contains("/nonexistent-dir/x/out.ndjson"), qPrintable(error));
}

void tst_NdjsonExport::suggestedName()
{
    QCOMPARE(NdjsonExport::suggestedFileName("session_20261125_061222_ab"),
             QStringLiteral("session_20261125_061222_ab.ndjson"));
    QCOMPARE(NdjsonExport::suggestedFileName("../x y"), QStringLiteral("___x_y.ndjson"));
}

QTEST_GUILESS_MAIN(tst_NdjsonExport)
#include "tst_ndjsonexport.moc"
