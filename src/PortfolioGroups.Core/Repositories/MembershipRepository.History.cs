using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>
/// A membership interval as the history table holds it; the instants as the database's text
/// (<see cref="Storage.Database.InstantText"/>).
/// </summary>
internal sealed record IntervalRecord(
    Guid MembershipUid,
    Guid PortfolioGroupUid,
    string GroupUniqueIdentifier,
    Guid PortfolioUid,
    string PortfolioUniqueIdentifier,
    string ValidFrom,
    string? ValidTo);

/// <summary>A group, by uid and the unique identifier it had when an interval opened, and its number of intervals in force at an instant.</summary>
internal sealed record GroupCountAsOfRecord(Guid PortfolioGroupUid, string GroupUniqueIdentifier, long Members);

/// <summary>Reads of the membership history (<c>portfolio_group_membership_history</c>), which the database's triggers keep.</summary>
internal sealed partial class MembershipRepository
{
    /// <summary>Which side of the history a read names: the group, or the portfolio.</summary>
    public enum HistorySide
    {
        Group,
        Portfolio,
    }

    /// <summary>An instant as the history's reads take it, at the database's precision.</summary>
    public string InstantValue(DateTimeOffset instant) => db.InstantValue(instant);

    private const string IntervalColumnsNoInstants =
        "h.membership_uid, h.portfolio_group_uid, h.group_unique_identifier, h.portfolio_uid, h.portfolio_unique_identifier";

    private string IntervalColumns =>
        $"{IntervalColumnsNoInstants}, {db.InstantText("h.valid_from")} AS valid_from, {db.InstantText("h.valid_to")} AS valid_to";

    /// <summary>
    /// The intervals in force at <paramref name="asOf"/> (a value of <see cref="Storage.Database.InstantValue"/>) of one group or
    /// portfolio, named by uid or by a unique identifier it had when the interval opened; ordered by
    /// the other side's uid; streamed.
    /// </summary>
    public IAsyncEnumerable<IntervalRecord> StreamInForceAsync(HistorySide side, RowKey key, string asOf, CancellationToken cancellationToken)
    {
        var (uidColumn, identifierColumn, order, operation) = side == HistorySide.Group
            ? ("h.portfolio_group_uid", "h.group_unique_identifier", "h.portfolio_uid", "portfolio_group.stream_portfolios_as_of")
            : ("h.portfolio_uid", "h.portfolio_unique_identifier", "h.portfolio_group_uid", "portfolio.stream_groups_as_of");
        var sql = $"SELECT {IntervalColumns} FROM {db.MembershipHistory} h "
                  + $"WHERE {(key.IsUid ? uidColumn : identifierColumn)} = @key AND {InForce("@asOf")} ORDER BY {order}";
        var value = key.Value(db);
        return db.StreamAsync(operation, c => c.QueryUnbufferedAsync<IntervalRecord>(sql, new { key = value, asOf }), cancellationToken);
    }

    /// <summary>The number of intervals in force at <paramref name="asOf"/> of every group that had any then, by group uid and identifier. One statement.</summary>
    public async Task<IReadOnlyList<GroupCountAsOfRecord>> CountInForceAsync(string asOf, CancellationToken cancellationToken)
    {
        var sql = $"SELECT h.portfolio_group_uid, h.group_unique_identifier, count(*) AS members FROM {db.MembershipHistory} h "
                  + $"WHERE {InForce("@asOf")} GROUP BY h.portfolio_group_uid, h.group_unique_identifier";
        var rows = await db.RunAsync(
            "portfolio_group.count_portfolios_as_of",
            ErrorContext.Read,
            c => c.QueryAsync<GroupCountAsOfRecord>(sql, new { asOf }),
            cancellationToken).ConfigureAwait(false);
        return rows as IReadOnlyList<GroupCountAsOfRecord> ?? [.. rows];
    }

    /// <summary>True for an interval in force at the instant parameter: opened at or before it, not closed by then.</summary>
    private string InForce(string parameter) =>
        $"h.valid_from <= {db.InstantParameter(parameter)} AND (h.valid_to IS NULL OR h.valid_to > {db.InstantParameter(parameter)})";
}
