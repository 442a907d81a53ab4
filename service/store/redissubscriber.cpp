#include "redissubscriber.h"

#include "redisreply.h"

#include <hiredis/hiredis.h>

#include <vector>

namespace ssebuf {

qint64 RedisSubscriber::s_totalBytesRead = 0;

namespace {

} // namespace

RedisSubscriber::RedisSubscriber(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
{
    connect(&m_socket, &QTcpSocket::connected, this, &RedisSubscriber::socket_connected);
    connect(&m_socket, &QTcpSocket::readyRead, this, &RedisSubscriber::socket_readyRead);
    connect(&m_socket, &QTcpSocket::disconnected, this, &RedisSubscriber::socket_disconnected);
    connect(&m_socket, &QTcpSocket::errorOccurred, this, &RedisSubscriber::socket_errorOccurred);
}

RedisSubscriber::~RedisSubscriber()
{
    close();
}

void RedisSubscriber::open(const QString &host, quint16 port, const QString &username,
                           const QString &password)
{
    close();
    m_username = username;
    m_password = password;
    m_reader = redisReaderCreate();
    m_active = true;
    m_socket.connectToHost(host, port);
}

void RedisSubscriber::close()
{
    m_active = false;
    m_open = false;
    m_pending.clear();
    // Signals of the socket during the abort must not reach the owner as a loss.
    const QSignalBlocker blocker(&m_socket);
    m_socket.abort();
    if (m_reader) {
        redisReaderFree(m_reader);
        m_reader = nullptr;
    }
}

void RedisSubscriber::write(const QList<QByteArray> &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        argvlen.push_back(size_t(arg.size()));
    }
    char *command = nullptr;
    const int length
        = redisFormatCommandArgv(&command, int(argv.size()), argv.data(), argvlen.data());
    if (length > 0)
        m_socket.write(command, length);
    redisFreeCommand(command);
}

void RedisSubscriber::socket_connected()
{
    m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_password.isEmpty()) {
        m_open = true;
        Q_EMIT opened();
        return;
    }
    QList<QByteArray> auth {"AUTH"};
    if (!m_username.isEmpty())
        auth.append(m_username.toUtf8());
    auth.append(m_password.toUtf8());
    m_pending.append(Pending {"AUTH", {}});
    write(auth);
}

void RedisSubscriber::send(const QByteArray &command, const QByteArray &channel)
{
    if (!m_open)
        return;
    m_pending.append(Pending {command, channel});
    write(channel.isEmpty() ? QList<QByteArray> {command} : QList<QByteArray> {command, channel});
}

void RedisSubscriber::socket_readyRead()
{
    while (m_reader && m_socket.bytesAvailable() > 0) {
        const QByteArray bytes = m_socket.readAll();
        m_bytesRead += bytes.size();
        s_totalBytesRead += bytes.size();
        if (redisReaderFeed(m_reader, bytes.constData(), size_t(bytes.size())) != REDIS_OK) {
            fail(QStringLiteral("protocol error"));
            return;
        }
        for (;;) {
            void *reply = nullptr;
            if (!m_reader || redisReaderGetReply(m_reader, &reply) != REDIS_OK) {
                if (m_reader)
                    fail(QStringLiteral("protocol error"));
                return;
            }
            if (!reply)
                break;
            handleReply(static_cast<const redisReply *>(reply));
            freeReplyObject(reply);
        }
    }
}

void RedisSubscriber::handleReply(const redisReply *reply)
{
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2) {
        const QByteArray kind = replyText(reply->element[0]).toLower();
        const QByteArray channel = replyText(reply->element[1]);
        if ((kind == "message" || kind == "smessage") && reply->elements >= 3) {
            Q_EMIT messageReceived(channel, replyText(reply->element[2]));
            return;
        }
        if (kind == "subscribe" || kind == "ssubscribe") {
            if (!m_pending.isEmpty() && m_pending.first().channel == channel)
                m_pending.removeFirst();
            Q_EMIT subscribed(channel);
            return;
        }
        if (kind == "unsubscribe" || kind == "sunsubscribe") {
            const bool solicited = !m_pending.isEmpty() && m_pending.first().channel == channel
                && m_pending.first().command.toLower() == kind;
            if (solicited)
                m_pending.removeFirst();
            Q_EMIT unsubscribed(channel, solicited);
            return;
        }
        if (kind == "pong") {
            if (!m_pending.isEmpty())
                m_pending.removeFirst();
            Q_EMIT ponged();
            return;
        }
    }
    // Anything else answers the oldest command: AUTH's OK, a PING's PONG before the first
    // subscription, or an error.
    if (m_pending.isEmpty())
        return;
    const Pending pending = m_pending.takeFirst();
    if (pending.command == "AUTH") {
        if (reply->type == REDIS_REPLY_ERROR) {
            fail(QStringLiteral("AUTH failed: %1").arg(QString::fromUtf8(replyText(reply))));
            return;
        }
        m_open = true;
        Q_EMIT opened();
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR)
        Q_EMIT refused(pending.command, pending.channel, replyText(reply));
    else if (pending.command == "PING")
        Q_EMIT ponged();
}

void RedisSubscriber::fail(const QString &reason)
{
    if (!m_active)
        return;
    close();
    Q_EMIT lost(QStringLiteral("%1: %2").arg(m_name, reason));
}

void RedisSubscriber::socket_disconnected()
{
    fail(QStringLiteral("connection closed"));
}

void RedisSubscriber::socket_errorOccurred()
{
    fail(m_socket.errorString());
}

} // namespace ssebuf
