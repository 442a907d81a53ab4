#include "redissessioncodec.h"

#include "redisreply.h"

#include <hiredis/hiredis.h>

namespace ssebuf {

SessionSummary sessionSummaryFromFields(const QString &sessionId,
                                        const QHash<QByteArray, QByteArray> &fields, qint64 ttlMs)
{
    SessionSummary summary;
    summary.sessionId = sessionId;
    summary.userId = QString::fromUtf8(fields.value("user_id"));
    summary.mode = QString::fromUtf8(fields.value("mode"));
    summary.state = sessionStateFromString(QString::fromUtf8(fields.value("state")))
                        .value_or(SessionState::Running);
    summary.createdAtMs = fields.value("created_at").toLongLong();
    summary.updatedAtMs = fields.value("updated_at").toLongLong();
    summary.lastSeq = fields.value("last_seq").toLongLong();
    summary.eventCount = summary.lastSeq;
    summary.firstSeq = fields.value("first_seq").toLongLong();
    summary.bufferedBytes = fields.value("bytes").toLongLong();
    summary.droppedEvents = fields.value("dropped").toLongLong();
    summary.expiresAtMs = summary.updatedAtMs + ttlMs;
    summary.endedReason = QString::fromUtf8(fields.value("ended_reason"));
    return summary;
}

ReadResult readResultFromReply(const QString &sessionId, qint64 afterSeq, const redisReply *reply,
                               qint64 ttlMs)
{
    ReadResult result;
    if (!isArray(reply)) {
        result.available = false;
        return result;
    }
    if (reply->elements < 2)
        return result; // no such session
    const SessionSummary summary
        = sessionSummaryFromFields(sessionId, redisreply::fields(reply->element[0]), ttlMs);
    result.found = true;
    result.finished = summary.isFinished();
    result.lastSeq = summary.lastSeq;
    result.state = summary.state;
    if (afterSeq < summary.lastSeq && summary.firstSeq > 0 && afterSeq + 1 < summary.firstSeq) {
        result.gapFrom = afterSeq + 1;
        result.gapTo = summary.firstSeq - 1;
    }
    const redisReply *entries = reply->element[1];
    for (size_t i = 0; isArray(entries) && i < entries->elements; ++i) {
        const redisReply *entry = entries->element[i];
        if (!isArray(entry, 2) || !isArray(entry->element[1], 2))
            continue;
        if (EventPtr event = StoredEvent::fromJson(replyText(entry->element[1]->element[1])))
            result.events.append(std::move(event));
    }
    return result;
}

AppendResult appendResultOf(const BatchResult &result)
{
    AppendResult answer;
    switch (result.status) {
    case BatchStatus::Appended:
        answer.status = AppendStatus::Appended;
        break;
    case BatchStatus::NotFound:
        answer.status = AppendStatus::NotFound;
        break;
    case BatchStatus::Ended:
        answer.status = AppendStatus::Ended;
        break;
    case BatchStatus::TooLarge:
        answer.status = AppendStatus::TooLarge;
        break;
    case BatchStatus::KeyConflict:
    case BatchStatus::Unavailable:
        answer.status = AppendStatus::Unavailable;
        break;
    }
    if (!result.events.isEmpty())
        answer.event = result.events.first();
    return answer;
}

} // namespace ssebuf
