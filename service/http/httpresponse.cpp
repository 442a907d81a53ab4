#include "httpresponse.h"

#include "core/jsonwriter.h"

#include <cstring>

#include <QJsonDocument>

namespace ssebuf {

HttpResponse HttpResponse::json(int status, const QJsonObject &body)
{
    return HttpResponse {
        status, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact), {}};
}

HttpResponse HttpResponse::error(const ApiError &error)
{
    return json(error.httpStatus, error.toJson());
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message)
{
    return error(ApiError {status, code, message, QString()});
}

HttpResponse HttpResponse::empty(int status)
{
    return HttpResponse {status, {}, {}, {}};
}

HttpResponse HttpResponse::text(int status, const QByteArray &contentType, const QByteArray &body)
{
    return HttpResponse {status, contentType, body, {}};
}

HttpResponse &HttpResponse::withHeader(const QByteArray &name, const QByteArray &value)
{
    headers.append({name, value});
    return *this;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    return QByteArray(reasonText(status));
}

const char *HttpResponse::reasonText(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QByteArray HttpResponse::serialize(bool closeConnection) const
{
    // Appended piece by piece into one reserved buffer, numbers written in place: every
    // answer comes through here.
    const auto text = [](QByteArray &out, const char *piece) {
        JsonWriter::appendRaw(out, piece, qsizetype(std::strlen(piece)));
    };
    QByteArray out;
    out.reserve(body.size() + 128 + 64 * headers.size());
    text(out, "HTTP/1.1 ");
    JsonWriter::appendNumber(out, status);
    text(out, " ");
    text(out, reasonText(status));
    text(out, "\r\n");
    if (!contentType.isEmpty()) {
        text(out, "Content-Type: ");
        JsonWriter::appendRaw(out, contentType.constData(), contentType.size());
        text(out, "\r\n");
    }
    if (status != 204 && status >= 200) {
        text(out, "Content-Length: ");
        JsonWriter::appendNumber(out, body.size());
        text(out, "\r\n");
    }
    for (const auto &header : headers) {
        JsonWriter::appendRaw(out, header.first.constData(), header.first.size());
        text(out, ": ");
        JsonWriter::appendRaw(out, header.second.constData(), header.second.size());
        text(out, "\r\n");
    }
    if (closeConnection)
        text(out, "Connection: close\r\n");
    text(out, "\r\n");
    if (status != 204)
        JsonWriter::appendRaw(out, body.constData(), body.size());
    return out;
}

} // namespace ssebuf
