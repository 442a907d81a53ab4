#ifndef SSEBUF_STREAMAPPENDER_H
#define SSEBUF_STREAMAPPENDER_H

#include "core/apierror.h"
#include "core/storedevent.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace ssebuf {

class SessionManager;

// What a streaming publish (NdjsonPublishStream) needs from the publish path, behind one
// small seam: parse one event object (its "idempotency_key" consumed), and append several
// in order with one store call, learning the seqs, the duplicates skipped, or the element
// that was refused.
class StreamAppender
{
public:
    struct Item
    {
        EventDraft draft;
        QByteArray idempotencyKey; // empty when the event has none
    };

    struct Outcome
    {
        enum class Status { Appended, NotFound, Ended, Rejected, Unavailable };
        Status status = Status::Unavailable;
        qint64 firstSeq = 0; // 0 when nothing was appended
        qint64 lastSeq = 0;
        int count = 0; // events appended
        int duplicates = 0; // events skipped as duplicates
        int index = -1; // Rejected: the element at fault
        ApiError error; // the answer for Rejected, Ended, NotFound, Unavailable
        QString endedReason; // Ended: "cancelled" when a cancel ended the session
    };
    using Callback = std::function<void(const Outcome &)>;

    explicit StreamAppender(SessionManager *sessions);

    static std::optional<Item> parse(const QJsonObject &json, ApiError *error);
    static bool isFinal(const Item &item) { return item.draft.final; }
    // Appends items in order; a final event only as the last one.
    void append(const QString &sessionId, const QList<Item> &items, Callback done);

private:
    void appendFrom(const QString &sessionId, QList<Item> items, int next, Outcome outcome,
                    Callback done);

    SessionManager *m_sessions;
};

} // namespace ssebuf

#endif
