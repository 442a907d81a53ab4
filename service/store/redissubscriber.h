#ifndef SSEBUF_REDISSUBSCRIBER_H
#define SSEBUF_REDISSUBSCRIBER_H

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTcpSocket>

struct redisReader;
struct redisReply;

namespace ssebuf {

// A Redis connection in pub/sub mode: SUBSCRIBE and SSUBSCRIBE (sharded pub/sub, Redis 7)
// to any number of channels, one at a time and added or dropped while it runs. hiredis
// 0.14's async API knows neither SSUBSCRIBE nor unsolicited unsubscriptions (a cluster
// node drops the shard channels of a slot it gives away), so this one is a QTcpSocket
// with hiredis' RESP reader: every reply passes through here, in order.
class RedisSubscriber : public QObject
{
    Q_OBJECT
public:
    explicit RedisSubscriber(const QString &name, QObject *parent = nullptr);
    ~RedisSubscriber() override;

    // Connects, sends AUTH when a password is given; opened() or lost() follows.
    void open(const QString &host, quint16 port, const QString &username, const QString &password);
    // Drops the connection; lost() is not emitted.
    void close();
    bool isOpen() const { return m_open; }

    // SUBSCRIBE / SSUBSCRIBE / UNSUBSCRIBE / SUNSUBSCRIBE of one channel, or PING. Ignored
    // while not open (the owner subscribes again once opened()).
    void send(const QByteArray &command, const QByteArray &channel = {});
    // Bytes read from Redis since the process started (all connections of this kind): what
    // live traffic costs this instance (contract section 17).
    static qint64 totalBytesRead() { return s_totalBytesRead; }
    qint64 bytesRead() const { return m_bytesRead; }

Q_SIGNALS:
    void opened();
    void lost(const QString &reason);
    // "message" or "smessage".
    void messageReceived(const QByteArray &channel, const QByteArray &payload);
    void subscribed(const QByteArray &channel);
    // solicited: the answer to our own unsubscription; otherwise Redis dropped it (a slot moved).
    void unsubscribed(const QByteArray &channel, bool solicited);
    // An error answer to send(command, channel), e.g. MOVED for an SSUBSCRIBE.
    void refused(const QByteArray &command, const QByteArray &channel, const QByteArray &error);
    void ponged();

private:
    struct Pending
    {
        QByteArray command;
        QByteArray channel;
    };

    void socket_connected();
    void socket_readyRead();
    void socket_disconnected();
    void socket_errorOccurred();
    void write(const QList<QByteArray> &args);
    void handleReply(const redisReply *reply);
    void fail(const QString &reason);

    QString m_name;
    QTcpSocket m_socket;
    redisReader *m_reader = nullptr;
    QList<Pending> m_pending; // commands whose answer is to come, oldest first
    QString m_username;
    QString m_password;
    bool m_active = false; // between open() and close() or the loss
    bool m_open = false;
    qint64 m_bytesRead = 0;
    static qint64 s_totalBytesRead;
};

} // namespace ssebuf

#endif
