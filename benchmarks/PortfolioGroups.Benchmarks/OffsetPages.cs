using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// The pages of a 100,000-member group: the first offset page (with its total, as the HTTP
/// resource collection reads it), the page at offset 99,500, and a keyset page at the same depth.
/// Targets: the deep offset page within 3× the first, the keyset page within 1.2× the first.
/// </summary>
/// <remarks>
/// The offset pages are in the HTTP listing's order (unique identifier ignoring case, then uid)
/// and count the group in the same statement; the keyset page is in uid order and counts nothing;
/// the keyset page with its total is what the HTTP walk (<c>?cursor=</c>) reads: a count, then the page.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(ShortRunConfig))]
public class OffsetPages : DatabaseBenchmark
{
    private const int Members = 100_000;
    private const int PageSize = 500;
    private const int DeepOffset = 99_500;

    private Guid _group;
    private string _cursor = "";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _group = (await Database.SeedRowsAsync("portfolio_group", "offset-group", 1))[0];
        var portfolios = await Database.SeedRowsAsync("portfolio", "offset-portfolio", Members);
        await Database.SeedMembershipsAsync([.. portfolios.Select(p => (Guid.CreateVersion7(), _group, p))]);
        await Database.AnalyzeAsync("portfolio, portfolio_group, portfolio_group_membership");

        // The keyset cursor after the first 99,500 members, walked in pages.
        string? cursor = null;
        for (var read = 0; read < DeepOffset; read += 9_950)
        {
            var page = await PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, new PageRequest { Size = 9_950, After = cursor });
            cursor = page.NextCursor;
        }

        _cursor = cursor ?? throw new InvalidOperationException("The group has fewer members than the deep page needs.");
    }

    [Benchmark(Baseline = true)]
    public async Task<int> FirstOffsetPage()
    {
        var page = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Database.Store, _group, new OffsetPageRequest { Offset = 0, Limit = PageSize });
        return Checked(page.Items.Count, page.TotalCount);
    }

    [Benchmark]
    public async Task<int> DeepOffsetPage()
    {
        var page = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Database.Store, _group, new OffsetPageRequest { Offset = DeepOffset, Limit = PageSize });
        return Checked(page.Items.Count, page.TotalCount);
    }

    [Benchmark]
    public async Task<int> KeysetPageAtTheSameDepth()
    {
        var page = await PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, new PageRequest { Size = PageSize, After = _cursor });
        return Checked(page.Items.Count, Members);
    }

    /// <summary>The HTTP keyset walk's page: the group's member count (an index-only count) and the keyset page, as <c>?cursor=</c> reads them.</summary>
    [Benchmark]
    public async Task<int> KeysetPageWithTotal()
    {
        var counts = await PortfolioGroup.CountPortfoliosAsync(Database.Store, [_group]);
        var page = await PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, new PageRequest { Size = PageSize, After = _cursor });
        return Checked(page.Items.Count, counts[_group]);
    }

    /// <summary>The group's member count alone, the part of <see cref="KeysetPageWithTotal"/> that is not the page.</summary>
    [Benchmark]
    public async Task<long> MemberCount()
    {
        var counts = await PortfolioGroup.CountPortfoliosAsync(Database.Store, [_group]);
        return counts[_group] == Members ? Members : throw new InvalidOperationException($"Counted {counts[_group]}.");
    }

    private static int Checked(int count, long total) =>
        count == PageSize && total == Members ? count : throw new InvalidOperationException($"Read {count} of {total}.");
}
