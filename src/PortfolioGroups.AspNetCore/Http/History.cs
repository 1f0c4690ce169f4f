using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>
/// The membership history over HTTP: the change log of a group and of a portfolio, the instants the
/// query takes (<c>as_of</c>, <c>from</c>, <c>to</c>), and the as-of answer of the relationship lists.
/// </summary>
internal static partial class History
{
    /// <summary>The 200 answer of an as-of relationship list: its intervals, in a resource collection.</summary>
    public const string AsOfCollectionSchema = "ResourceCollectionOfMembershipIntervalResponse";

    public static void Map(RouteGroupBuilder routes)
    {
        routes.MapGet("/{uid}/portfolios/history/", GroupHistoryAsync).Describe("listGroupMembershipHistory", "List a group's membership history", "A resource collection of the intervals during which a portfolio was in the group, in the order they opened, with the identifiers of the time; kept by the database for every writer, so a group deleted since is still listed. from and to keep the intervals in force at some instant of [from, to). 404 when no group has the uid and the history holds none of it.")
            .Takes(["from", "to", .. Query.Paging]).Produces<ResourceCollection<MembershipIntervalResponse>>().NotFound();
        routes.MapGet("/by-portfolio/{portfolio_uid}/history/", PortfolioHistoryAsync).Describe("listPortfolioMembershipHistory", "List a portfolio's membership history", "A resource collection of the intervals during which the portfolio was in a group, in the order they opened, with the identifiers of the time; a portfolio deleted since is still listed. from and to keep the intervals in force at some instant of [from, to). 404 when no portfolio has the uid and the history holds none of it.")
            .Takes(["from", "to", .. Query.Paging]).Produces<ResourceCollection<MembershipIntervalResponse>>().NotFound();
    }

    /// <summary>
    /// An instant in a query parameter: RFC 3339 with an offset (<c>2026-06-30T00:00:00Z</c>,
    /// <c>2026-06-30T02:00:00.5+02:00</c>); null when absent or empty (no instant). A <c>+</c> sent
    /// unencoded arrives as a space, and is read as the <c>+</c> it was.
    /// </summary>
    public static DateTimeOffset? Instant(string? text, string name, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var value = text.Length > 6 && text[^6] == ' ' ? string.Concat(text.AsSpan(0, text.Length - 6), "+", text.AsSpan(text.Length - 5)) : text;
        if (!Rfc3339().IsMatch(value)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var instant))
        {
            errors.Add(name, $"'{Uids.Shorten(text)}' is not an RFC 3339 instant: give a date, a time and an offset, such as 2026-06-30T00:00:00Z (send + as %2B).");
            return null;
        }

        return instant;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    /// <summary>Describes the 200 answer as either the route's collection, or (with <c>as_of</c>) the intervals in force then.</summary>
    public static RouteHandlerBuilder OrIntervalsAsOf(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            if (operation.Responses?.TryGetValue("200", out var ok) == true
                && ok.Content?.TryGetValue("application/json", out var media) == true
                && media.Schema is { } collection)
            {
                // anyOf, not oneOf: an empty page is valid as either collection.
                media.Schema = new OpenApiSchema { AnyOf = [collection, new OpenApiSchemaReference(AsOfCollectionSchema, context.Document)] };
                ok.Description = "The collection; with as_of, the intervals in force then (MembershipIntervalResponse items).";
            }

            return Task.CompletedTask;
        });

    /// <summary>
    /// Refuses with 404 a group uid that names no group now and none in the history: an empty as-of
    /// list or history of a group deleted since is an answer, of a uid never seen is not.
    /// </summary>
    public static async Task EnsureKnownGroupAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken)
    {
        var history = await PortfolioGroupMembership.GetHistoryPageAsync(store, new MembershipHistoryFilter { Group = uid }, PageRequest.First(1), cancellationToken).ConfigureAwait(false);
        if (history.Items.Count == 0)
        {
            _ = await PortfolioGroup.GetAsync(store, uid, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="EnsureKnownGroupAsync"/>, for a portfolio uid.</summary>
    public static async Task EnsureKnownPortfolioAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken)
    {
        var history = await PortfolioGroupMembership.GetHistoryPageAsync(store, new MembershipHistoryFilter { Portfolio = uid }, PageRequest.First(1), cancellationToken).ConfigureAwait(false);
        if (history.Items.Count == 0)
        {
            _ = await Portfolio.GetAsync(store, uid, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> GroupHistoryAsync(HttpContext context, string uid, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? limit, [FromQuery] string? offset, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(uid, "uid");
        var (page, filter) = ReadFilter(from, to, limit, offset);
        var store = Api.Store(context);
        var found = await PortfolioGroupMembership.GetHistoryOffsetPageAsync(store, filter with { Group = key }, page, cancellationToken).ConfigureAwait(false);
        if (found.TotalCount == 0)
        {
            await EnsureKnownGroupAsync(store, key, cancellationToken).ConfigureAwait(false);
        }

        return Api.Json(ResourceCollection<MembershipIntervalResponse>.From(found, MembershipIntervalResponse.From));
    }

    private static async Task<IResult> PortfolioHistoryAsync(HttpContext context, [FromRoute(Name = "portfolio_uid")] string portfolioUid, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? limit, [FromQuery] string? offset, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(portfolioUid, "portfolio_uid");
        var (page, filter) = ReadFilter(from, to, limit, offset);
        var store = Api.Store(context);
        var found = await PortfolioGroupMembership.GetHistoryOffsetPageAsync(store, filter with { Portfolio = key }, page, cancellationToken).ConfigureAwait(false);
        if (found.TotalCount == 0)
        {
            await EnsureKnownPortfolioAsync(store, key, cancellationToken).ConfigureAwait(false);
        }

        return Api.Json(ResourceCollection<MembershipIntervalResponse>.From(found, MembershipIntervalResponse.From));
    }

    private static (OffsetPageRequest Page, MembershipHistoryFilter Filter) ReadFilter(string? from, string? to, string? limit, string? offset)
    {
        var errors = new FieldErrors();
        var page = Query.Page(limit, offset, errors);
        var start = Instant(from, "from", errors);
        var end = Instant(to, "to", errors);
        if (start is { } s && end is { } e && e < s)
        {
            errors.Add("to", "Must not be earlier than from.");
        }

        errors.ThrowIfAny();
        return (page, new MembershipHistoryFilter { From = start, To = end });
    }
}
