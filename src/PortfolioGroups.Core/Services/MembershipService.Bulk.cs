using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>
/// Bulk membership writes: any number of pairs, streamed, checked as they are consumed, written in
/// one transaction; a reference that names no row fails the whole call with the missing ones listed.
/// </summary>
internal sealed partial class MembershipService
{
    /// <summary>Adds the membership of every pair; duplicates in the input count once.</summary>
    public Task<BulkAddResult> AddManyAsync(IEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> pairs, IProgress<long>? progress, CancellationToken cancellationToken) =>
        AddManyAsync(Guard.NotNull(pairs).ToAsyncEnumerable(), progress, cancellationToken);

    /// <summary>Adds the membership of every pair; duplicates in the input count once.</summary>
    public async Task<BulkAddResult> AddManyAsync(IAsyncEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> pairs, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        Guard.NotNull(pairs);
        var keys = Guard.EachItem(pairs, nameof(pairs), p => new PairKeys(Guard.Key(p.Group, "Group"), Guard.Key(p.Portfolio, "Portfolio")), cancellationToken);
        var result = await memberships.AddManyAsync(keys, Reporter(progress), cancellationToken).ConfigureAwait(false);
        ThrowIfMissing(result);
        return new BulkAddResult(result.Added, result.Unchanged);
    }

    /// <summary>Adds portfolios to one group; duplicates in the input count once.</summary>
    public async Task<BulkAddResult> AddPortfoliosAsync(PortfolioGroupRef group, IEnumerable<PortfolioRef> portfolios, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var groupKey = Guard.Key(group, nameof(group));
        Guard.NotNull(portfolios);
        var result = await memberships.SetPortfoliosAsync(groupKey, PortfolioKeys(portfolios.ToAsyncEnumerable(), cancellationToken), replace: false, Reporter(progress), cancellationToken).ConfigureAwait(false)
                     ?? throw groupKey.NotFound(PortfolioGroupRepository.Table);
        ThrowIfMissing(result);
        return new BulkAddResult(result.Added, result.Unchanged);
    }

    /// <summary>Makes a group hold exactly the portfolios given, atomically.</summary>
    public async Task<SetPortfoliosResult> SetPortfoliosAsync(PortfolioGroupRef group, IEnumerable<PortfolioRef> portfolios, CancellationToken cancellationToken)
    {
        var groupKey = Guard.Key(group, nameof(group));
        Guard.NotNull(portfolios);
        var result = await memberships.SetPortfoliosAsync(groupKey, PortfolioKeys(portfolios.ToAsyncEnumerable(), cancellationToken), replace: true, consumed: null, cancellationToken).ConfigureAwait(false)
                     ?? throw groupKey.NotFound(PortfolioGroupRepository.Table);
        ThrowIfMissing(result);
        return new SetPortfoliosResult(result.Added, result.Removed, result.Unchanged);
    }

    private static IAsyncEnumerable<RowKey> PortfolioKeys(IAsyncEnumerable<PortfolioRef> portfolios, CancellationToken cancellationToken) =>
        Guard.EachItem(portfolios, nameof(portfolios), p => Guard.Key(p, ""), cancellationToken);

    /// <summary>Progress in rows consumed, heard after each batch.</summary>
    private static Action<long>? Reporter(IProgress<long>? progress) => progress is null ? null : progress.Report;

    private static void ThrowIfMissing(BulkMembershipRecord result)
    {
        if (result.Missing.Count > 0)
        {
            throw MissingReferences(result.Missing);
        }
    }

    /// <summary>
    /// One exception for every reference a bulk call named that no row has: the table and key name
    /// of them all (joined with "or" when they differ), and as its value the first few and the total.
    /// </summary>
    private static RowNotFoundException MissingReferences(IReadOnlyList<MissingRecord> missing)
    {
        var first = missing[0];
        var oneTable = first.TableTotal == first.Total;
        var oneKind = first.KindTotal == first.Total;
        var table = oneTable ? first.TableName : $"{PortfolioGroupRepository.Table} or {PortfolioRepository.Table}";
        var keyName = oneKind ? first.KeyName : "uid or unique_identifier";
        var listed = string.Join(", ", missing.Select(m => (oneTable ? "" : m.TableName + " ") + (oneKind ? "" : m.KeyName + " ") + m.KeyValue));
        var more = first.Total - missing.Count;
        var value = first.Total == 1 ? listed
            : more > 0 ? $"{listed} and {more} more: {first.Total} missing references"
            : $"{listed}: {first.Total} missing references";
        return RowNotFoundException.Missing([.. missing.Select(m => (m.TableName, m.KeyName, m.KeyValue))], first.Total, table, keyName, value);
    }
}
