// GuardedTcpServer: what every accepted socket gets before QtHttpServer sees it. Real
// loopback connections; the option values are read back from the kernel.

#include "http/connectionguard.h"
#include "http/guardedtcpserver.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

using namespace ssebuf;

class tst_GuardedTcpServer : public QObject
{
    Q_OBJECT

private slots:
    void acceptedSocketIsGuardedAndUnbuffered();
};

void tst_GuardedTcpServer::acceptedSocketIsGuardedAndUnbuffered()
{
    HttpLimits limits;
    limits.maxHeaderBytes = 2048;
    limits.maxBodyBytes = 4096;
    GuardedTcpServer server(limits);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QSignalSpy accepted(&server, &QTcpServer::newConnection);

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(client.waitForConnected(5000));
    QVERIFY(accepted.wait(5000));
    QTcpSocket *socket = server.nextPendingConnection();
    QVERIFY(socket);

    // Nagle's algorithm off: a second small write of a pass (the answer to a pipelined
    // request, the next event) must not wait for the client's delayed ACK.
    int noDelay = 0;
    socklen_t length = sizeof(noDelay);
    QCOMPARE(
        ::getsockopt(int(socket->socketDescriptor()), IPPROTO_TCP, TCP_NODELAY, &noDelay, &length),
        0);
    QVERIFY(noDelay != 0);
    // The client's side is Qt's default: Nagle on. The option is the server's doing.
    int clientNoDelay = 1;
    QCOMPARE(::getsockopt(int(client.socketDescriptor()), IPPROTO_TCP, TCP_NODELAY, &clientNoDelay,
                          &length),
             0);
    QCOMPARE(clientNoDelay, 0);

    QVERIFY(ConnectionGuard::of(socket) != nullptr);
    QCOMPARE(socket->readBufferSize(), qint64(2048 + 4096 + 65536));
}

QTEST_GUILESS_MAIN(tst_GuardedTcpServer)
#include "tst_guardedtcpserver.moc"
