#ifndef SSEBUF_REDISREPLY_H
#define SSEBUF_REDISREPLY_H

#include <hiredis/hiredis.h>

#include <QByteArray>

#include <cstddef>

namespace ssebuf {

// Reading hiredis replies: the text of a string, status or error reply (empty otherwise).
inline QByteArray replyText(const redisReply *reply)
{
    if (!reply
        || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS
            && reply->type != REDIS_REPLY_ERROR))
        return {};
    return QByteArray(reply->str, int(reply->len));
}

inline bool isError(const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR;
}

inline bool isArray(const redisReply *reply, size_t minElements = 0)
{
    return reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= minElements;
}

} // namespace ssebuf

#endif
