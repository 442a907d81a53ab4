#include "streamappender.h"

#include "core/sessionmanager.h"

namespace ssebuf {

StreamAppender::StreamAppender(SessionManager *sessions)
    : m_sessions(sessions)
{
}

std::optional<StreamAppender::Item> StreamAppender::parse(const QJsonObject &json, ApiError *error)
{
    QJsonObject event = json;
    Item item;
    const QJsonValue key = event.take(QLatin1String("idempotency_key"));
    if (!key.isUndefined()) {
        const QString text = key.toString();
        bool valid = key.isString() && !text.isEmpty() && text.size() <= 255;
        for (const QChar c : text)
            valid = valid && c.unicode() >= '!' && c.unicode() <= '~';
        if (!valid) {
            *error = ApiError {422, QStringLiteral("invalid_event"),
                               QStringLiteral("idempotency_key must be 1..255 printable ASCII "
                                              "characters"),
                               QStringLiteral("idempotency_key")};
            return std::nullopt;
        }
        item.idempotencyKey = text.toLatin1();
    }
    std::optional<EventDraft> draft = EventDraft::fromJson(event, error);
    if (!draft)
        return std::nullopt;
    item.draft = std::move(*draft);
    return item;
}

void StreamAppender::append(const QString &sessionId, const QList<Item> &items, Callback done)
{
    Outcome outcome;
    outcome.status = Outcome::Status::Appended;
    appendFrom(sessionId, items, 0, outcome, std::move(done));
}

void StreamAppender::appendFrom(const QString &sessionId, QList<Item> items, int next,
                                Outcome outcome, Callback done)
{
    if (next >= items.size()) {
        done(outcome);
        return;
    }
    const EventDraft draft = items.at(next).draft;
    m_sessions->publish(
        sessionId, draft,
        [this, sessionId, items = std::move(items), next, outcome,
         done = std::move(done)](const AppendResult &result) mutable {
            switch (result.status) {
            case AppendStatus::Appended:
                if (outcome.count == 0)
                    outcome.firstSeq = result.event->seq;
                outcome.lastSeq = result.event->seq;
                ++outcome.count;
                appendFrom(sessionId, std::move(items), next + 1, outcome, std::move(done));
                return;
            case AppendStatus::NotFound:
                outcome.status = Outcome::Status::NotFound;
                outcome.error = {404,
                                 QStringLiteral("session_not_found"),
                                 QStringLiteral("no such session (unknown or expired)"),
                                 {}};
                break;
            case AppendStatus::Ended:
                outcome.status = Outcome::Status::Ended;
                outcome.error = {409,
                                 QStringLiteral("session_ended"),
                                 QStringLiteral("the session already has its terminal event"),
                                 {}};
                break;
            case AppendStatus::TooLarge:
                outcome.status = Outcome::Status::Rejected;
                outcome.error = {
                    422, QStringLiteral("event_too_large"),
                    QStringLiteral("the encoded event is larger than the per-session buffer limit"),
                    QStringLiteral("message")};
                break;
            case AppendStatus::Unavailable:
                outcome.status = Outcome::Status::Unavailable;
                outcome.error = {503,
                                 QStringLiteral("store_unavailable"),
                                 QStringLiteral("the session store is unreachable; retry later"),
                                 {}};
                break;
            }
            outcome.index = next;
            done(outcome);
        });
}

} // namespace ssebuf
