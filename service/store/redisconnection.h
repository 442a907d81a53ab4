#ifndef SSEBUF_REDISCONNECTION_H
#define SSEBUF_REDISCONNECTION_H

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

struct redisAsyncContext;
struct redisReply;
class RedisQtAdapter;

namespace ssebuf {

// One asynchronous hiredis connection driven by the Qt event loop (hiredis' own
// RedisQtAdapter). Never blocks: connecting, sending and reading all happen from socket
// notifiers. A lost connection is not reopened here; the owner decides when to retry.
// hiredis writes with write(): the process must ignore SIGPIPE (ssebufd does, in
// SignalWatcher), or a Redis that dies mid-write kills it.
class RedisConnection : public QObject
{
    Q_OBJECT
public:
    // Gets the reply, or nullptr when the connection was lost (or closed) before it came.
    using ReplyHandler = std::function<void(const redisReply *reply)>;

    explicit RedisConnection(const QString &name, QObject *parent = nullptr);
    ~RedisConnection() override;

    // Starts connecting; opened() or lost() follows from the event loop. Returns false
    // (and fills error) when hiredis refuses at once.
    bool open(const QString &host, quint16 port, QString *error);
    // Drops the connection: every pending handler gets nullptr; lost() is not emitted.
    void close();

    bool isOpen() const { return m_open; }
    bool isConnecting() const { return m_context && !m_open; }
    QString name() const { return m_name; }

    // Sends one command, each argument binary-safe. When the connection is not open the
    // handler gets nullptr at once.
    void command(const QList<QByteArray> &args, ReplyHandler handler);
    // SUBSCRIBE channel: the handler gets the confirmation, then every message, then
    // nullptr when the connection goes.
    void subscribe(const QByteArray &channel, ReplyHandler handler);

Q_SIGNALS:
    void opened();
    void lost(const QString &reason);

private:
    static void context_connected(const redisAsyncContext *context, int status);
    static void context_disconnected(const redisAsyncContext *context, int status);
    static void context_replied(redisAsyncContext *context, void *reply, void *privdata);
    static void context_messageArrived(redisAsyncContext *context, void *reply, void *privdata);
    void contextGone(const QString &reason);
    void parkAdapter();

    QString m_name;
    redisAsyncContext *m_context = nullptr;
    // One adapter for the connection's life, attached to each context in turn. It must
    // outlive every context (freeing one calls it back), and its destructor writes to the
    // context it was last given: between contexts it is parked on m_parking, a zeroed
    // context that is never connected.
    std::unique_ptr<redisAsyncContext> m_parking;
    std::unique_ptr<RedisQtAdapter> m_adapter;
    bool m_open = false;
    ReplyHandler m_subscriptionHandler;
};

} // namespace ssebuf

#endif
