// RedisClusterStore's sweep: the session index against the sessions' own keys.

#include "redisclusterstore.h"

#include "redisclusterscript.h"
#include "redisreply.h"

#include <QDateTime>

namespace ssebuf {

using namespace redisreply;

namespace {

constexpr int sweepBatch = 1000;

} // namespace

void RedisClusterStore::sweepTimer_timeout()
{
    if (!isAvailable())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    send(m_indexKey,
         {"ZRANGEBYSCORE", m_indexKey, "-inf", QByteArray::number(now), "LIMIT", "0",
          QByteArray::number(sweepBatch)},
         [this, now](const redisReply *reply) {
             for (size_t i = 0; isArray(reply) && i < reply->elements; ++i)
                 sweepOne(text(reply->element[i]), now);
         });
}

// The index score is the expiry the instance expected when it last wrote it (creation);
// appends move the keys' own expiry, not the index. A session whose keys still live is
// given its real expiry back; one whose keys are gone is taken out, and the instance whose
// ZREM took it announces it (exactly one does).
void RedisClusterStore::sweepOne(const QByteArray &id, qint64 nowMs)
{
    const QString sessionId = QString::fromUtf8(id);
    send(metaKey(sessionId), {"PTTL", metaKey(sessionId)},
         [this, id, sessionId, nowMs](const redisReply *reply) {
             if (!reply || reply->type != REDIS_REPLY_INTEGER)
                 return;
             if (reply->integer > 0) {
                 send(m_indexKey,
                      {"ZADD", m_indexKey, "XX", QByteArray::number(nowMs + reply->integer), id},
                      [](const redisReply *) {});
                 return;
             }
             send(m_indexKey, {"ZREM", m_indexKey, id},
                  [this, id, sessionId](const redisReply *removed) {
                      if (!removed || removed->type != REDIS_REPLY_INTEGER || removed->integer != 1)
                          return;
                      evaluate(m_expireScript,
                               {metaKey(sessionId), streamKey(sessionId), keysKey(sessionId),
                                keyOrderKey(sessionId)},
                               {id, m_lifecycleChannel, "expired"}, [](const redisReply *) {});
                  });
         });
}

} // namespace ssebuf
