using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>An answer other than success, decided while reading the request; written as problem details.</summary>
internal sealed class HttpProblemException(int statusCode, string detail, IDictionary<string, string[]>? errors = null) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;

    public IDictionary<string, string[]>? Errors { get; } = errors;
}

/// <summary>Problems with request fields, by the field's name as the client wrote it.</summary>
internal sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw ToException();
        }
    }

    public HttpProblemException ToException()
    {
        var errors = _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        return new(StatusCodes.Status400BadRequest, Problems.Summary(errors), errors);
    }

    public static HttpProblemException Single(string field, string message)
    {
        var errors = new FieldErrors();
        errors.Add(field, message);
        return errors.ToException();
    }
}

/// <summary>UUID text as the API takes it.</summary>
internal static class Uids
{
    /// <summary>Parses a UUID in its 36-character hyphenated form (the form every response uses) or 32 hex digits.</summary>
    public static bool TryParse(string text, out Guid uid) =>
        Guid.TryParseExact(text, "D", out uid) || Guid.TryParseExact(text, "N", out uid);

    /// <summary>A route value that must be a uid.</summary>
    public static Guid FromRoute(string text, string field) =>
        TryParse(text, out var uid) ? uid : throw FieldErrors.Single(field, $"'{Shorten(text)}' is not a UUID.");

    /// <summary>At most 40 characters of a bad value, for an error message.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}

/// <summary>
/// Turns what went wrong into RFC 9457 problem details: the library's exceptions into 400, 404 and
/// 409 with the client's field names; anything unforeseen into a 500 that says nothing about the
/// server (it is logged instead).
/// </summary>
internal static partial class Problems
{
    /// <summary>The most fields a 400's <c>detail</c> names; the <c>errors</c> map names them all.</summary>
    private const int DetailFields = 5;

    /// <summary>
    /// A 400's <c>detail</c>: the bad fields and their messages as one string ("limit: Must be ..."),
    /// since msm's clients read <c>detail</c> as a string; the <c>errors</c> map has them one by one.
    /// </summary>
    public static string Summary(IReadOnlyDictionary<string, string[]> errors)
    {
        var named = errors.Take(DetailFields).Select(e => $"{e.Key}: {string.Join(" ", e.Value)}");
        var more = errors.Count > DetailFields ? $" (and {errors.Count - DetailFields} more fields; see errors)" : "";
        return string.Join(" ", named) + more;
    }

    public static IResult From(HttpProblemException problem) =>
        problem.Errors is { } errors
            ? TypedResults.ValidationProblem(errors, detail: problem.Message)
            : TypedResults.Problem(detail: problem.Message, statusCode: problem.StatusCode);

    /// <summary>The answer for a library exception; <paramref name="fields"/> renames Core's argument names to the route's fields.</summary>
    public static bool TryFrom(Exception exception, Func<string, string>? fields, [NotNullWhen(true)] out IResult? result)
    {
        switch (exception)
        {
            case HttpProblemException problem:
                result = From(problem);
                return true;
            case InvalidValueException invalid:
                var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
                foreach (var field in invalid.Field.Split(", ", StringSplitOptions.RemoveEmptyEntries).DefaultIfEmpty("body"))
                {
                    errors[ClientField(field, fields)] = [Capitalize(invalid.Reason)];
                }

                result = TypedResults.ValidationProblem(errors, detail: Summary(errors));
                return true;
            case RowNotFoundException notFound:
                result = TypedResults.Problem(detail: notFound.Message, statusCode: StatusCodes.Status404NotFound);
                return true;
            case DuplicateKeyException duplicate:
                result = TypedResults.Problem(detail: duplicate.Message, statusCode: StatusCodes.Status409Conflict);
                return true;
            case UnreadableRowException unreadable:
                // A stored row (written by plain SQL) the answer would include but cannot represent:
                // the resource's state, not the request, is at fault, and only this answer fails.
                result = TypedResults.Problem(detail: unreadable.Message, statusCode: StatusCodes.Status409Conflict);
                return true;
            default:
                result = null;
                return false;
        }
    }

    /// <summary>The answer for anything unforeseen: logged with its details, answered without them.</summary>
    public static IResult Unexpected(HttpContext context, Exception exception)
    {
        var logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("PortfolioGroups.AspNetCore");
        if (logger is not null)
        {
            LogUnexpected(logger, exception, context.Request.Method, context.Request.Path);
        }

        var detail = exception is PortfolioGroupsException
            ? "The database could not complete the request."
            : "The server could not complete the request.";
        return TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status500InternalServerError);
    }

    /// <summary>Seconds a client waits before trying again after a 503.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>
    /// Whether the failure is the server's temporary state: a lost or refused connection, an
    /// exhausted pool, a busy database (Core's <see cref="TransientStorageException"/>, or a driver
    /// error the driver calls transient), a database that cannot be used as configured right now
    /// (Core's <see cref="StoreOpenException"/>: a missing database or schema, refused credentials,
    /// which an operator fixes while the server runs), or the store already closed because the host
    /// is stopping (a request still running then; the next instance will answer it).
    /// </summary>
    public static bool IsTemporary(Exception exception) =>
        exception is TransientStorageException or StoreOpenException
        || exception is System.Data.Common.DbException { IsTransient: true }
        || exception is ObjectDisposedException { ObjectName: var name } && name == typeof(PortfolioStore).FullName;

    /// <summary>503 with <c>Retry-After</c>: the request may succeed when sent again; logged as a warning.</summary>
    public static IResult Unavailable(HttpContext context, Exception exception)
    {
        var logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("PortfolioGroups.AspNetCore");
        if (logger is not null)
        {
            LogUnavailable(logger, exception, context.Request.Method, context.Request.Path);
        }

        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            detail: "The database is unavailable for the moment (a lost connection, a busy server or an exhausted pool); send the request again. A write that answered 503 may or may not have been applied, and every write is safe to repeat.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable in {Method} {Path}")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, PathString path);

    /// <summary>
    /// A Core argument name (<c>changes.DisplayName</c>, <c>page.After</c>, <c>portfolios[3]</c>)
    /// as the client's field: the route's own renames first, then the prefix dropped and the name
    /// in snake_case, with the paging and metadata names of the API.
    /// </summary>
    public static string ClientField(string coreField, Func<string, string>? fields)
    {
        var index = coreField.IndexOf('[', StringComparison.Ordinal);
        var name = index < 0 ? coreField : coreField[..index];
        var suffix = index < 0 ? "" : coreField[index..];
        var renamed = fields?.Invoke(name);
        if (renamed is not null && !ReferenceEquals(renamed, name))
        {
            return renamed + suffix;
        }

        var last = name[(name.LastIndexOf('.') + 1)..];
        var mapped = last switch
        {
            "After" => "cursor",
            "Size" => "limit",
            "metadata" or "Metadata" => "metadata_json",
            _ => SnakeCase(last),
        };
        return mapped + SnakeCase(suffix);
    }

    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '.' && name[i - 1] != '[')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpper(text[0], CultureInfo.InvariantCulture) + text[1..];
}
