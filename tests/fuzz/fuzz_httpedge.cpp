// libFuzzer target: the HTTP edge (ConnectionGuard, QtHttpServer's parser, HttpFrontend,
// Router and every route handler).
//
// The whole service runs in process (memory store, external pipeline, the epoll event
// dispatcher, small limits so that 413/431 are within reach), listening on 127.0.0.1:0.
// Each input is written as raw bytes on a fresh loopback QTcpSocket, which is then
// half-closed; the harness reads until the service closes the connection. Invariants:
// every answer starts with a well-formed status line, no answer is a 500, and the service
// keeps answering a plain GET /healthz (checked every 64 inputs and at the first).

#include "config/serviceconfig.h"
#include "eventloop/epolleventdispatcher.h"
#include "service.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimer>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sys/socket.h>

namespace {

#define FUZZ_CHECK(condition, detail) \
    do { \
        if (!(condition)) { \
            fprintf(stderr, "fuzz_httpedge: check failed: %s (%s:%d)\n%s\n", #condition, __FILE__, \
                    __LINE__, (detail).constData()); \
            abort(); \
        } \
    } while (false)

ssebuf::Service *g_service = nullptr;
quint16 g_port = 0;
quint64 g_inputs = 0;
quint64 g_timeouts = 0;

// Writes the bytes, half-closes, and returns what the service sent until it closed (or
// until timeoutMs: an event stream may legitimately stay open after a half-close).
QByteArray exchange(const QByteArray &request, int timeoutMs, bool *timedOut)
{
    QTcpSocket socket;
    QByteArray received;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    *timedOut = false;
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        *timedOut = true;
        loop.quit();
    });
    auto halfClose = [&socket] {
        if (socket.state() == QAbstractSocket::ConnectedState && socket.bytesToWrite() == 0)
            ::shutdown(int(socket.socketDescriptor()), SHUT_WR);
    };
    QObject::connect(&socket, &QTcpSocket::connected, &loop, halfClose);
    QObject::connect(&socket, &QTcpSocket::bytesWritten, &loop, halfClose);
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, [&] {
        received += socket.readAll();
        if (received.size() > 8 * 1024 * 1024)
            loop.quit();
    });
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, [&](QAbstractSocket::SocketError) {
        if (socket.state() == QAbstractSocket::UnconnectedState)
            loop.quit();
    });
    socket.connectToHost(QHostAddress::LocalHost, g_port);
    if (!request.isEmpty())
        socket.write(request);
    timer.start(timeoutMs);
    loop.exec();
    received += socket.readAll();
    socket.abort();
    // Let the service see the close and free the connection before the next input.
    QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return received;
}

void checkAnswers(const QByteArray &received, const QByteArray &input)
{
    if (received.isEmpty())
        return;
    const QByteArray detail = "input: " + input.left(2000).toPercentEncoding(" /:=&?;,")
        + "\nanswer: " + received.left(2000);
    FUZZ_CHECK(received.startsWith("HTTP/1.1 ") && received.size() >= 12, detail);
    const int status = received.mid(9, 3).toInt();
    FUZZ_CHECK(status >= 100 && status <= 599, detail);
    FUZZ_CHECK(status != 500, detail);
    // Every later answer on the connection is well-formed too.
    qsizetype pos = 0;
    while ((pos = received.indexOf("\r\nHTTP/1.", pos + 1)) > 0) {
        const int next = received.mid(pos + 11, 3).toInt();
        if (next >= 100 && next <= 599)
            FUZZ_CHECK(next != 500, detail);
    }
}

void checkAlive()
{
    bool timedOut = false;
    const QByteArray answer = exchange(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 5000, &timedOut);
    FUZZ_CHECK(answer.startsWith("HTTP/1.1 200 "), ("healthz answered: " + answer.left(500)));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    qputenv("QT_NO_GLIB", "1");
    auto *dispatcher = new ssebuf::EpollEventDispatcher;
    if (dispatcher->isValid())
        QCoreApplication::setEventDispatcher(dispatcher);
    else
        delete dispatcher;
    static int argc = 1;
    static char name[] = "fuzz_httpedge";
    static char *argv[] = {name, nullptr};
    new QCoreApplication(argc, argv);
    // Rejections and access lines for every input would drown libFuzzer's output.
    QLoggingCategory::setFilterRules(QStringLiteral("ssebuf.*=false\nqt.*=false"));

    ssebuf::ServiceConfig config;
    config.listenAddress = QHostAddress::LocalHost;
    config.listenPort = 0;
    config.pipeline = QStringLiteral("external");
    config.sessionTtlSeconds = 1; // sessions made by inputs are swept while fuzzing
    config.sweepIntervalSeconds = 1;
    config.maxBodyBytes = 2048; // limits the fuzzer can reach with short inputs
    config.maxHeaderBytes = 1024;
    config.keepaliveSeconds = 1;
    config.shutdownGraceSeconds = 0;
    g_service = new ssebuf::Service(config);
    QString error;
    if (!g_service->start(&error)) {
        fprintf(stderr, "fuzz_httpedge: the service did not start: %s\n", qPrintable(error));
        abort();
    }
    g_port = g_service->port();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    if (g_inputs++ % 64 == 0)
        checkAlive();
    bool timedOut = false;
    const QByteArray received = exchange(input, 1000, &timedOut);
    if (timedOut)
        ++g_timeouts;
    checkAnswers(received, input);
    return 0;
}
