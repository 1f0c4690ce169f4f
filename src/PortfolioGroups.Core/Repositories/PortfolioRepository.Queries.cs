using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The <c>portfolio</c> table's streaming read.</summary>
internal sealed partial class PortfolioRepository
{
    /// <summary>Every portfolio a filter selects, in uid order, as the rows arrive (one unbuffered statement).</summary>
    public IAsyncEnumerable<PortfolioRecord> StreamAsync(KeySet keys, string? search, GroupConditions groups, CancellationToken cancellationToken)
    {
        var (from, joined) = Selection.FilterFrom(db, keys, db.Portfolio, "p");
        var inGroups = Selection.InGroups(db, groups, paged: false, named: joined);
        var sql = $"SELECT {Columns("p.")} FROM {from}{inGroups.Join} WHERE {Selection.NamedOrSearched(db, keys, db.Portfolio, search, joined: joined)}{inGroups.Where} "
                  + $"ORDER BY {inGroups.OrderColumn ?? "p.uid"}";
        var parameters = Selection.PortfolioFilterParameters(db, keys, search, groups, page: null);
        return db.StreamAsync("portfolio.stream", c => c.QueryUnbufferedAsync<PortfolioRecord>(sql, parameters), cancellationToken);
    }
}
