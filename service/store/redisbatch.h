#ifndef SSEBUF_REDISBATCH_H
#define SSEBUF_REDISBATCH_H

#include "retentionpolicy.h"
#include "sessionstore.h"

#include <QByteArray>
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
};

} // namespace ssebuf

#endif
