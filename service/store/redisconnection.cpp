#include "redisconnection.h"

// The adapter's functions are defined in its header: this is the one translation unit
// that includes it (its moc output is added by CMake).
#include <hiredis/adapters/qt.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

namespace ssebuf {

RedisConnection::RedisConnection(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
    , m_parking(std::make_unique<redisAsyncContext>())
    , m_adapter(std::make_unique<RedisQtAdapter>())
{
    parkAdapter();
}

RedisConnection::~RedisConnection()
{
    close();
}

void RedisConnection::parkAdapter()
{
    m_parking->ev.data = nullptr;
    m_adapter->setContext(m_parking.get());
}

bool RedisConnection::open(const QString &host, quint16 port, QString *error)
{
    close();
    redisAsyncContext *context = redisAsyncConnect(host.toUtf8().constData(), port);
    if (!context) {
        if (error)
            *error = QStringLiteral("out of memory");
        return false;
    }
    if (context->err) {
        if (error)
            *error = QString::fromLocal8Bit(context->errstr);
        redisAsyncFree(context);
        return false;
    }
    m_context = context;
    m_context->data = this;
    m_adapter->setContext(m_context);
    redisAsyncSetConnectCallback(m_context, &RedisConnection::context_connected);
    redisAsyncSetDisconnectCallback(m_context, &RedisConnection::context_disconnected);
    return true;
}

void RedisConnection::close()
{
    if (!m_context)
        return;
    redisAsyncContext *context = m_context;
    m_context = nullptr;
    m_open = false;
    // Detached first: the callbacks hiredis makes while freeing must not reach us as a
    // loss (close() is not one), but pending handlers still get their nullptr.
    context->data = nullptr;
    // Inside one of its callbacks hiredis frees the context when the callback returns;
    // either way it calls the adapter's cleanup then, which needs nothing but the adapter.
    redisAsyncFree(context);
    parkAdapter();
    m_subscriptionHandler = nullptr;
}

void RedisConnection::command(const QList<QByteArray> &args, ReplyHandler handler)
{
    if (!m_open) {
        handler(nullptr);
        return;
    }
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    argv.reserve(args.size());
    argvlen.reserve(args.size());
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        argvlen.push_back(size_t(arg.size()));
    }
    auto *privdata = new ReplyHandler(std::move(handler));
    if (redisAsyncCommandArgv(m_context, &RedisConnection::context_replied, privdata,
                              int(argv.size()), argv.data(), argvlen.data())
        != REDIS_OK) {
        std::unique_ptr<ReplyHandler> owned(privdata);
        (*owned)(nullptr);
    }
}

void RedisConnection::subscribe(const QByteArray &channel, ReplyHandler handler)
{
    if (!m_open) {
        handler(nullptr);
        return;
    }
    m_subscriptionHandler = std::move(handler);
    const char *argv[] = {"SUBSCRIBE", channel.constData()};
    const size_t argvlen[] = {9, size_t(channel.size())};
    if (redisAsyncCommandArgv(m_context, &RedisConnection::context_messageArrived, this, 2, argv,
                              argvlen)
        != REDIS_OK) {
        ReplyHandler failed = std::move(m_subscriptionHandler);
        m_subscriptionHandler = nullptr;
        failed(nullptr);
    }
}

void RedisConnection::context_connected(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback.
        self->contextGone(QString::fromLocal8Bit(context->errstr));
        return;
    }
    self->m_open = true;
    Q_EMIT self->opened();
}

void RedisConnection::context_disconnected(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<RedisConnection *>(context->data);
    if (!self)
        return;
    self->contextGone(status == REDIS_OK ? QStringLiteral("connection closed")
                                         : QString::fromLocal8Bit(context->errstr));
}

void RedisConnection::contextGone(const QString &reason)
{
    if (m_context)
        m_context->data = nullptr;
    m_context = nullptr;
    m_open = false;
    // hiredis is freeing the context right now; its cleanup still reaches the adapter.
    parkAdapter();
    Q_EMIT lost(reason);
}

void RedisConnection::context_replied(redisAsyncContext *, void *reply, void *privdata)
{
    std::unique_ptr<ReplyHandler> handler(static_cast<ReplyHandler *>(privdata));
    if (*handler)
        (*handler)(static_cast<const redisReply *>(reply));
}

void RedisConnection::context_messageArrived(redisAsyncContext *context, void *reply,
                                             void *privdata)
{
    auto *self = static_cast<RedisConnection *>(privdata);
    // Once closed (data detached), the handler belongs to nobody any more.
    if (!context->data || !self->m_subscriptionHandler)
        return;
    // Copy: the handler may close this connection.
    const ReplyHandler handler = self->m_subscriptionHandler;
    handler(static_cast<const redisReply *>(reply));
}

} // namespace ssebuf
