#ifndef SSEBUF_STREAMAPPENDER_H
#define SSEBUF_STREAMAPPENDER_H

#include "session/publishservice.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace ssebuf {

// What a streaming publish (NdjsonPublishStream) needs from the publish path, behind one
// small seam: parse one event object (its "idempotency_key" consumed), and append several
// in order with one PublishService call (atomic, one write per subscriber), learning the
// seqs, the duplicates skipped, or the element that was refused.
class StreamAppender
{
public:
    using Item = PublishEvent;
    using Outcome = PublishOutcome;
    using Callback = PublishService::Callback;

    explicit StreamAppender(PublishService *publisher)
        : m_publisher(publisher)
    {
    }

    static std::optional<Item> parse(const QJsonObject &json, ApiError *error)
    {
        return PublishEvent::fromJson(json, error);
    }
    static bool isFinal(const Item &item) { return item.draft.final; }
    // Appends items in order, all or none; a final event only as the last one.
    void append(const QString &sessionId, const QList<Item> &items, Callback done)
    {
        m_publisher->publish(sessionId, items, std::move(done));
    }

private:
    PublishService *m_publisher;
};

} // namespace ssebuf

#endif
