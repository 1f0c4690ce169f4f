using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// Set queries at three selectivities: 100,000 portfolios, 1,000 groups; the two named groups
/// a and b hold <see cref="Members"/> portfolios each (about 1,000, 10,000 or 50,000), half of
/// them in both; every portfolio is also in one of the other 998 groups. First page of 10,000 in
/// uid order (all rows when fewer). Library: <c>Portfolio.FilterPageAsync</c> with
/// <c>InAllGroups = [a, b]</c>, <c>InAnyGroup = [a, b]</c> or <c>NotInGroups = [a]</c>. Raw: each
/// hand-written form, read with a <see cref="System.Data.Common.DbDataReader"/>; the table takes
/// the fastest as the baseline and names it:
/// <c>RawExists</c> (one <c>EXISTS</c> / <c>NOT EXISTS</c> per portfolio),
/// <c>RawJoin</c> (in all: a self-join of the membership table driven from group a, which is as
/// small as b; in any: <c>IN</c> over the named groups' memberships; in none: <c>NOT IN</c>),
/// <c>RawGroupBy</c> (in all: <c>GROUP BY ... HAVING count(*) = 2</c>; in any: <c>DISTINCT</c>;
/// in none: a <c>LEFT JOIN ... IS NULL</c>), and <c>RawSetOp</c> (<c>INTERSECT</c>, <c>UNION</c>,
/// <c>EXCEPT</c> of the index ranges, ordered by portfolio, joined to the portfolio).
/// </summary>
/// <remarks>Every side fetches one row more than the page, as the library does, and is checked against the expected uids.</remarks>
[Comparison("set query by selectivity, 100,000 portfolios, page of 10,000", Order = 61)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class SetSelectivity : DatabaseBenchmark
{
    private const int Portfolios = SetQueries.Portfolios;
    private const int Groups = SetQueries.Groups;
    private const int PageSize = SetQueries.PageSize;
    private const string Columns = SetQueries.Columns;

    private Guid _a;
    private Guid _b;
    private Guid[] _expected = [];
    private bool _more;

    [Params(1_000, 10_000, 50_000)]
    public int Members { get; set; } = 1_000;

    [Params("all of a, b", "any of a, b", "none of a")]
    public string Query { get; set; } = "all of a, b";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        var groups = await Database.SeedRowsAsync("portfolio_group", "sel-group", Groups);
        var portfolios = await Database.SeedRowsAsync("portfolio", "sel-portfolio", Portfolios);
        (_a, _b) = (groups[0], groups[1]);

        // a: every step-th portfolio; b: every other one of a's, and as many more just after a's.
        var step = Portfolios / Members;
        bool InA(int i) => i % step == 0;
        bool InB(int i) => i % (2 * step) == 0 || (step > 1 && i % (2 * step) == step + 1);
        var memberships = new List<(Guid Uid, Guid Group, Guid Portfolio)>(Portfolios + (2 * Members));
        for (var i = 0; i < Portfolios; i++)
        {
            if (InA(i))
            {
                memberships.Add((Guid.CreateVersion7(), _a, portfolios[i]));
            }

            if (InB(i))
            {
                memberships.Add((Guid.CreateVersion7(), _b, portfolios[i]));
            }

            memberships.Add((Guid.CreateVersion7(), groups[2 + (i % (Groups - 2))], portfolios[i]));
        }

        await Database.SeedMembershipsAsync(memberships);
        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM ANALYZE portfolio, portfolio_group, portfolio_group_membership");
        }
        else
        {
            await Database.ExecuteAsync("ANALYZE portfolio_group_membership");
        }

        bool Selected(int i) => Query switch
        {
            "all of a, b" => InA(i) && InB(i),
            "any of a, b" => InA(i) || InB(i),
            _ => !InA(i),
        };
        var all = Enumerable.Range(0, Portfolios).Where(Selected).Select(i => portfolios[i]).Order().ToArray();
        _expected = all.Take(PageSize).ToArray();
        _more = all.Length > PageSize;
    }

    [Benchmark]
    public async Task<int> Library()
    {
        var filter = Query switch
        {
            "all of a, b" => new PortfolioFilter { InAllGroups = [_a, _b] },
            "any of a, b" => new PortfolioFilter { InAnyGroup = [_a, _b] },
            _ => new PortfolioFilter { NotInGroups = [_a] },
        };
        var page = await Portfolio.FilterPageAsync(Database.Store, filter, PageRequest.First(PageSize));
        return Checked(page.Items.Select(p => p.Uid).ToList(), page.Next is not null);
    }

    [Benchmark]
    public Task<int> RawExists()
    {
        const string member = "EXISTS (SELECT 1 FROM portfolio_group_membership m WHERE m.portfolio_uid = p.uid AND m.portfolio_group_uid";
        return ReadAsync(Query switch
        {
            "all of a, b" => $"SELECT {Columns} FROM portfolio p WHERE {member} = @a) AND {member} = @b) ORDER BY p.uid",
            "any of a, b" => $"SELECT {Columns} FROM portfolio p WHERE {member} IN (@a, @b)) ORDER BY p.uid",
            _ => $"SELECT {Columns} FROM portfolio p WHERE NOT {member} = @a) ORDER BY p.uid",
        });
    }

    [Benchmark]
    public Task<int> RawJoin() => ReadAsync(Query switch
    {
        "all of a, b" => $"SELECT {Columns} FROM portfolio_group_membership ma JOIN portfolio_group_membership mb ON mb.portfolio_uid = ma.portfolio_uid AND mb.portfolio_group_uid = @b "
                         + "JOIN portfolio p ON p.uid = ma.portfolio_uid WHERE ma.portfolio_group_uid = @a ORDER BY ma.portfolio_uid",
        "any of a, b" => $"SELECT {Columns} FROM portfolio p WHERE p.uid IN (SELECT portfolio_uid FROM portfolio_group_membership WHERE portfolio_group_uid IN (@a, @b)) ORDER BY p.uid",
        _ => $"SELECT {Columns} FROM portfolio p WHERE p.uid NOT IN (SELECT portfolio_uid FROM portfolio_group_membership WHERE portfolio_group_uid = @a) ORDER BY p.uid",
    });

    [Benchmark]
    public Task<int> RawGroupBy() => ReadAsync(Query switch
    {
        "all of a, b" => $"SELECT {Columns} FROM portfolio p WHERE p.uid IN (SELECT portfolio_uid FROM portfolio_group_membership WHERE portfolio_group_uid IN (@a, @b) "
                         + "GROUP BY portfolio_uid HAVING count(*) = 2) ORDER BY p.uid",
        "any of a, b" => $"SELECT {Columns} FROM (SELECT DISTINCT portfolio_uid FROM portfolio_group_membership WHERE portfolio_group_uid IN (@a, @b)) d "
                         + "JOIN portfolio p ON p.uid = d.portfolio_uid ORDER BY d.portfolio_uid",
        _ => $"SELECT {Columns} FROM portfolio p LEFT JOIN portfolio_group_membership m ON m.portfolio_uid = p.uid AND m.portfolio_group_uid = @a WHERE m.uid IS NULL ORDER BY p.uid",
    });

    [Benchmark]
    public Task<int> RawSetOp()
    {
        // The compound ordered by portfolio, joined to the portfolio: SQLite merges the ordered
        // index ranges and stops at the page's end.
        const string member = "SELECT portfolio_uid FROM portfolio_group_membership WHERE portfolio_group_uid";
        var compound = Query switch
        {
            "all of a, b" => $"{member} = @a INTERSECT {member} = @b",
            "any of a, b" => $"{member} = @a UNION {member} = @b",
            _ => $"SELECT uid AS portfolio_uid FROM portfolio EXCEPT {member} = @a",
        };
        return ReadAsync($"SELECT {Columns} FROM ({compound} ORDER BY 1) s JOIN portfolio p ON p.uid = s.portfolio_uid ORDER BY s.portfolio_uid");
    }

    /// <summary>Another hand-written form (parameters @a, @b), read as every raw side is.</summary>
    public Task<int> RawSql(string sql) => ReadAsync(sql);

    private async Task<int> ReadAsync(string sql)
    {
        var (page, more) = await SetQueries.ReadPageAsync(Database, sql, _a, _b);
        return Checked(page, more);
    }

    private int Checked(List<Guid> page, bool more)
    {
        if (more != _more || !page.SequenceEqual(_expected))
        {
            throw new InvalidOperationException($"{Query}, {Members}: read {page.Count} portfolios (more: {more}), not the expected first {_expected.Length}.");
        }

        return page.Count;
    }
}
