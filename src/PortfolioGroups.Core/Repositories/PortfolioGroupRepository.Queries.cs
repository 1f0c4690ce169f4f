using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The <c>portfolio_group</c> table's streaming read.</summary>
internal sealed partial class PortfolioGroupRepository
{
    /// <summary>Every group a filter selects, in uid order, as the rows arrive (one unbuffered statement).</summary>
    public IAsyncEnumerable<PortfolioGroupRecord> StreamAsync(KeySet keys, string? search, string? displayName, CancellationToken cancellationToken)
    {
        var (from, joined) = Selection.FilterFrom(db, keys, db.Group, "g");
        var sql = $"SELECT {Columns("g.")} FROM {from} WHERE {Selection.NamedOrSearched(db, keys, db.Group, search, displayName, joined)} ORDER BY g.uid";
        var parameters = Selection.FilterParameters(db, keys, search, page: null, displayName);
        return db.StreamAsync("portfolio_group.stream", c => c.QueryUnbufferedAsync<PortfolioGroupRecord>(sql, parameters), cancellationToken);
    }
}
