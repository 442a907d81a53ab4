#pragma once

#include "sessionstore.h"

#include <QByteArray>
#include <QHash>
#include <QString>

struct redisReply;

namespace ssebuf {

// How a session's meta hash and the read script's answer become the store's value types;
// shared by RedisStore and RedisClusterStore, whose keys differ but whose values do not.
SessionSummary sessionSummaryFromFields(const QString &sessionId,
                                        const QHash<QByteArray, QByteArray> &fields, qint64 ttlMs);

// The read script's answer ({meta fields, stream entries}) for "events after afterSeq":
// not available when the reply is not an array, not found when it has no meta.
ReadResult readResultFromReply(const QString &sessionId, qint64 afterSeq, const redisReply *reply,
                               qint64 ttlMs);

// A one-event append's answer from the batch step it goes through (the first event, if any).
AppendResult appendResultOf(const BatchResult &result);

} // namespace ssebuf
