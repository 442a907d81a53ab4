#ifndef SSEBUF_REDISBATCH_H
#define SSEBUF_REDISBATCH_H

#include "retentionpolicy.h"
#include "sessionstore.h"

#include <QByteArray>
#include <QHash>
#include <QList>

struct redisReply;

namespace ssebuf {

// The two ends of the append script (RedisScript::append) for a batch: its arguments,
// built from the events the instance encodes (with seq 0, split around it), and its answer.
class RedisBatch
{
public:
    // The ARGV of the script; false (and *tooLarge set to the item) when an event alone is
    // larger than the session buffer, or *tooLarge = -1 when an event cannot be encoded.
    static bool arguments(const QString &sessionId, const BatchAppend &batch, qint64 nowMs,
                          const RetentionPolicy &policy, const QByteArray &channel,
                          QList<QByteArray> *args, int *tooLarge);
    // The script's answer; args are the ones arguments() built (the events are rebuilt from
    // them with the seqs the script chose).
    static BatchResult result(const redisReply *reply, const QList<QByteArray> &args);
    // What follows the seqs in an answer that appended events: the number of events evicted
    // and the session's fields after the append (empty when the answer has none).
    static QHash<QByteArray, QByteArray> sessionAfter(const redisReply *reply,
                                                      const QList<QByteArray> &args, int *evicted);
};

} // namespace ssebuf

#endif
