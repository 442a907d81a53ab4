#ifndef SSEBUF_TESTS_LOOPBACKPAIR_H
#define SSEBUF_TESTS_LOOPBACKPAIR_H

#include <QByteArray>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

// Both ends of one real loopback TCP connection: the server side is what the service's
// HTTP classes get, the client side is what the test writes to and reads from.
struct LoopbackPair
{
    QTcpServer listener;
    QTcpSocket client;
    QTcpSocket *server = nullptr; // child of listener

    bool open()
    {
        if (!listener.listen(QHostAddress::LocalHost, 0))
            return false;
        client.connectToHost(QHostAddress::LocalHost, listener.serverPort());
        if (!client.waitForConnected(5000))
            return false;
        if (!listener.hasPendingConnections() && !listener.waitForNewConnection(5000))
            return false;
        server = listener.nextPendingConnection();
        return server != nullptr;
    }

    // Reads from the client side until `bytes` contains the marker (or 5 s pass).
    QByteArray readUntil(const QByteArray &marker, int timeoutMs = 5000)
    {
        QByteArray bytes;
        QElapsedTimer clock;
        clock.start();
        while (!bytes.contains(marker) && clock.elapsed() < timeoutMs) {
            if (client.bytesAvailable() == 0) {
                QSignalSpy readable(&client, &QTcpSocket::readyRead);
                if (client.state() != QAbstractSocket::ConnectedState)
                    break;
                readable.wait(100);
            }
            bytes += client.readAll();
        }
        return bytes;
    }
};

#endif
