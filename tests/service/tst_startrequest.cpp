#include "core/startrequest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace ssebuf;

namespace {

QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject valid()
{
    return QJsonObject {{QStringLiteral("user_id"), QStringLiteral("demo_user")},
                        {QStringLiteral("user_prompt"), QStringLiteral("hello")}};
}

QJsonObject with(const QString &key, const QJsonValue &value)
{
    QJsonObject object = valid();
    object.insert(key, value);
    return object;
}

QJsonObject without(const QString &key)
{
    QJsonObject object = valid();
    object.remove(key);
    return object;
}

// n characters outside the Basic Multilingual Plane: 2n UTF-16 code units.
QString nonBmp(int n)
{
    QString text;
    for (int i = 0; i < n; ++i)
        text += QString::fromUtf8("\xF0\x9F\x98\x80");
    return text;
}

} // namespace

class tst_StartRequest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void fieldsAreCopied();
    void credentialsNeverInPublicJson();
    void unknownFieldsIgnored();
};

void tst_StartRequest::parse_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status"); // 0: accepted
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    QTest::newRow("valid") << toJson(valid()) << 0 << QString() << QString();
    QTest::newRow("seed request") << QByteArray(
        R"({"user_id":"demo_user","user_prompt":"hello",)"
        R"("github_credentials":{"token":"x"},"mode":"autonomous"})")
                                  << 0 << QString() << QString();

    // 400: not a JSON object.
    QTest::newRow("empty body") << QByteArray() << 400 << "invalid_json" << QString();
    QTest::newRow("broken json") << QByteArray("{\"user_id\":") << 400 << "invalid_json"
                                 << QString();
    QTest::newRow("array") << QByteArray("[]") << 400 << "invalid_json" << QString();
    QTest::newRow("string") << QByteArray("\"hello\"") << 400 << "invalid_json" << QString();
    QTest::newRow("null") << QByteArray("null") << 400 << "invalid_json" << QString();
    QTest::newRow("trailing garbage")
        << toJson(valid()) + "x" << 400 << "invalid_json" << QString();

    // 422 user_id: required string of 1..128 characters.
    QTest::newRow("user_id missing") << toJson(without("user_id")) << 422 << "missing_field"
                                     << "user_id";
    QTest::newRow("user_id null") << toJson(with("user_id", QJsonValue::Null)) << 422
                                  << "missing_field"
                                  << "user_id";
    QTest::newRow("user_id number") << toJson(with("user_id", 42)) << 422 << "invalid_field"
                                    << "user_id";
    QTest::newRow("user_id object")
        << toJson(with("user_id", QJsonObject())) << 422 << "invalid_field"
        << "user_id";
    QTest::newRow("user_id empty") << toJson(with("user_id", "")) << 422 << "invalid_field"
                                   << "user_id";
    QTest::newRow("user_id 1") << toJson(with("user_id", "u")) << 0 << QString() << QString();
    QTest::newRow("user_id 128") << toJson(with("user_id", QString(128, 'u'))) << 0 << QString()
                                 << QString();
    QTest::newRow("user_id 129") << toJson(with("user_id", QString(129, 'u'))) << 422
                                 << "invalid_field"
                                 << "user_id";
    QTest::newRow("user_id 128 non-BMP")
        << toJson(with("user_id", nonBmp(128))) << 0 << QString() << QString();
    QTest::newRow("user_id 129 non-BMP")
        << toJson(with("user_id", nonBmp(129))) << 422 << "invalid_field"
        << "user_id";
    QTest::newRow("user_id 128 umlauts")
        << toJson(with("user_id", QString(128, QChar(0xFC)))) << 0 << QString() << QString();

    // 422 user_prompt: required string of 1..65536 characters.
    QTest::newRow("prompt missing") << toJson(without("user_prompt")) << 422 << "missing_field"
                                    << "user_prompt";
    QTest::newRow("prompt bool") << toJson(with("user_prompt", true)) << 422 << "invalid_field"
                                 << "user_prompt";
    QTest::newRow("prompt array") << toJson(with("user_prompt", QJsonArray {"a"})) << 422
                                  << "invalid_field"
                                  << "user_prompt";
    QTest::newRow("prompt empty") << toJson(with("user_prompt", "")) << 422 << "invalid_field"
                                  << "user_prompt";
    QTest::newRow("prompt 65536") << toJson(with("user_prompt", QString(65536, 'p'))) << 0
                                  << QString() << QString();
    QTest::newRow("prompt 65537") << toJson(with("user_prompt", QString(65537, 'p'))) << 422
                                  << "invalid_field"
                                  << "user_prompt";
    QTest::newRow("prompt 65536 non-BMP")
        << toJson(with("user_prompt", nonBmp(65536))) << 0 << QString() << QString();
    QTest::newRow("prompt 65537 non-BMP")
        << toJson(with("user_prompt", nonBmp(65537))) << 422 << "invalid_field"
        << "user_prompt";

    // 422 mode: autonomous (default) or interactive.
    QTest::newRow("mode autonomous")
        << toJson(with("mode", "autonomous")) << 0 << QString() << QString();
    QTest::newRow("mode interactive")
        << toJson(with("mode", "interactive")) << 0 << QString() << QString();
    QTest::newRow("mode wrong case") << toJson(with("mode", "Autonomous")) << 422 << "invalid_field"
                                     << "mode";
    QTest::newRow("mode unknown") << toJson(with("mode", "batch")) << 422 << "invalid_field"
                                  << "mode";
    QTest::newRow("mode empty") << toJson(with("mode", "")) << 422 << "invalid_field"
                                << "mode";
    QTest::newRow("mode number") << toJson(with("mode", 1)) << 422 << "invalid_field"
                                 << "mode";

    // 422 github_credentials: an optional object.
    QTest::newRow("credentials object")
        << toJson(with("github_credentials", QJsonObject {{"token", "t"}})) << 0 << QString()
        << QString();
    QTest::newRow("credentials string")
        << toJson(with("github_credentials", "ghp_x")) << 422 << "invalid_field"
        << "github_credentials";
    QTest::newRow("credentials array")
        << toJson(with("github_credentials", QJsonArray {})) << 422 << "invalid_field"
        << "github_credentials";

    // Unknown fields are ignored, whatever their type.
    QTest::newRow("unknown fields")
        << toJson(with("extra", QJsonObject {{"nested", QJsonArray {1, 2}}})) << 0 << QString()
        << QString();
}

void tst_StartRequest::parse()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, field);
    ApiError error;
    error.httpStatus = 0;
    const std::optional<StartRequest> request = StartRequest::parse(body, &error);
    if (status == 0) {
        QVERIFY2(request.has_value(), qPrintable(error.message));
        return;
    }
    QVERIFY(!request);
    QCOMPARE(error.httpStatus, status);
    QCOMPARE(error.code, code);
    QCOMPARE(error.field, field);
    QVERIFY(!error.message.isEmpty());
    const QJsonObject json = error.toJson();
    QCOMPARE(json.value("error").toString(), code);
    QCOMPARE(json.contains("field"), !field.isEmpty());
    // Also without an error out-parameter.
    QVERIFY(!StartRequest::parse(body, nullptr));
}

void tst_StartRequest::fieldsAreCopied()
{
    const QJsonObject body {
        {"user_id", "alice"}, {"user_prompt", "refactor the parser"}, {"mode", "interactive"}};
    const auto request = StartRequest::parse(toJson(body), nullptr);
    QVERIFY(request);
    QCOMPARE(request->userId, QStringLiteral("alice"));
    QCOMPARE(request->prompt, QStringLiteral("refactor the parser"));
    QCOMPARE(request->mode, QStringLiteral("interactive"));
    QVERIFY(!request->hasCredentials);

    const auto defaulted = StartRequest::parse(toJson(valid()), nullptr);
    QVERIFY(defaulted);
    QCOMPARE(defaulted->mode, QStringLiteral("autonomous"));
    QCOMPARE(defaulted->publicJson.value("mode").toString(), QStringLiteral("autonomous"));
}

void tst_StartRequest::credentialsNeverInPublicJson()
{
    const QJsonObject credentials {{"token", "ghp_secret_value"}, {"owner", "acme"}};
    const auto request
        = StartRequest::parse(toJson(with("github_credentials", credentials)), nullptr);
    QVERIFY(request);
    QVERIFY(request->hasCredentials);
    QCOMPARE(request->githubCredentials, credentials);
    QVERIFY(!request->publicJson.contains("github_credentials"));
    QCOMPARE(request->publicJson.value("user_id").toString(), QStringLiteral("demo_user"));
    QCOMPARE(request->publicJson.value("user_prompt").toString(), QStringLiteral("hello"));
    QVERIFY(!toJson(request->publicJson).contains("ghp_secret_value"));

    // An explicit null is "no credentials", and is not passed on either.
    const auto nulled
        = StartRequest::parse(toJson(with("github_credentials", QJsonValue::Null)), nullptr);
    QVERIFY(nulled);
    QVERIFY(!nulled->hasCredentials);
    QVERIFY(!nulled->publicJson.contains("github_credentials"));
}

void tst_StartRequest::unknownFieldsIgnored()
{
    QJsonObject body = valid();
    body.insert("priority", 5);
    body.insert("user_prompt_2", QJsonArray {"x"});
    const auto request = StartRequest::parse(toJson(body), nullptr);
    QVERIFY(request);
    QCOMPARE(request->userId, QStringLiteral("demo_user"));
    QCOMPARE(request->prompt, QStringLiteral("hello"));
}

QTEST_GUILESS_MAIN(tst_StartRequest)
#include "tst_startrequest.moc"
