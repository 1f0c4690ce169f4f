using FsCheck;
using FsCheck.Fluent;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>What one random operation does, on the keys of one task.</summary>
public enum OpKind
{
    AddGroup,
    AddPortfolio,
    AddMembership,
    RemoveMembership,
    DeleteGroup,
    DeletePortfolio,
    BulkAdd,
    SetPortfolios,
    BulkDeleteGroups,
    Move,
}

/// <summary>One random operation: its kind, a group, a portfolio, a second group (moves) and a set of portfolios (bulk calls).</summary>
public sealed record Op(OpKind Kind, int Group, int Portfolio, int OtherGroup, int[] Portfolios)
{
    public override string ToString() => $"{Kind}(g{Group}, p{Portfolio}, g{OtherGroup}, [{string.Join(",", Portfolios)}])";
}

/// <summary>
/// Model-based random operation sequences (FsCheck): 8 tasks run their own random sequences of
/// adds, removes, deletes, bulk calls and moves at the same time on one store, each on its own
/// keys (so each has an exact model) but on the same tables (so they contend for locks and pages).
/// Every call must do what the model says, including its errors; afterwards the database equals the
/// union of the models, with no orphan and no duplicate pair.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class ModelBasedTests(Db db) : DatabaseTest(db)
{
    private const int Tasks = 8;
    private const int Groups = 4;
    private const int PortfolioCount = 6;
    private static int s_run;
    private int _operations;

    private static readonly Gen<Op> OpGen =
        from kind in Gen.Elements(Enum.GetValues<OpKind>())
        from g in Gen.Choose(0, Groups - 1)
        from p in Gen.Choose(0, PortfolioCount - 1)
        from other in Gen.Choose(0, Groups - 1)
        from many in Gen.Choose(0, PortfolioCount - 1).ArrayOf()
        select new Op(kind, g, p, other, many);

    [Test]
    public void Random_concurrent_operation_sequences_leave_the_database_equal_to_the_model()
    {
        // Sequences of 10 to 40 operations per task: enough to build, empty and rebuild groups.
        var sequences = Gen.Choose(10, 40).SelectMany(length => OpGen.ArrayOf(length)).ArrayOf(Tasks);
        var property = Prop.ForAll(Arb.From(sequences), runs => RunAsync(runs).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(10), property);

        TestContext.Out.WriteLine($"{_operations} operations in {Tasks} concurrent tasks checked against the model.");
        _operations.Should().BeGreaterThanOrEqualTo(10 * Tasks * 10);
    }

    private async Task<bool> RunAsync(Op[][] sequences)
    {
        var run = Interlocked.Increment(ref s_run);
        var models = await Task.WhenAll(sequences.Select((ops, task) => Task.Run(() => RunTaskAsync($"r{run}t{task}", ops))));

        // The database, restricted to this run's keys, equals the union of the models.
        var prefix = $"r{run}t";
        var expectedGroups = models.SelectMany(m => m.Groups).ToHashSet();
        var expectedPortfolios = models.SelectMany(m => m.Portfolios).ToHashSet();
        var expectedPairs = models.SelectMany(m => m.Pairs).ToHashSet();

        var groups = new List<string>();
        await foreach (var g in PortfolioGroup.StreamAsync(Store))
        {
            if (g.UniqueIdentifier.StartsWith(prefix, StringComparison.Ordinal))
            {
                groups.Add(g.UniqueIdentifier);
            }
        }

        var portfolios = new Dictionary<Guid, string>();
        await foreach (var p in Portfolio.StreamAsync(Store))
        {
            portfolios[p.Uid] = p.UniqueIdentifier;
        }

        var groupUids = new Dictionary<Guid, string>();
        await foreach (var g in PortfolioGroup.StreamAsync(Store))
        {
            groupUids[g.Uid] = g.UniqueIdentifier;
        }

        var pairs = new List<(string, string)>();
        await foreach (var m in PortfolioGroupMembership.StreamAsync(Store))
        {
            groupUids.Should().ContainKey(m.PortfolioGroupUid, "no membership is an orphan");
            portfolios.Should().ContainKey(m.PortfolioUid, "no membership is an orphan");
            var pair = (groupUids[m.PortfolioGroupUid], portfolios[m.PortfolioUid]);
            if (pair.Item1.StartsWith(prefix, StringComparison.Ordinal))
            {
                pairs.Add(pair);
            }
        }

        groups.Should().BeEquivalentTo(expectedGroups);
        portfolios.Values.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Should().BeEquivalentTo(expectedPortfolios);
        pairs.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(expectedPairs);
        return true;
    }

    private sealed class Model
    {
        public HashSet<string> Groups { get; } = [];

        public HashSet<string> Portfolios { get; } = [];

        public HashSet<(string Group, string Portfolio)> Pairs { get; } = [];
    }

    /// <summary>Runs one task's operations, checking each call's outcome against the model.</summary>
    private async Task<Model> RunTaskAsync(string keys, Op[] ops)
    {
        var model = new Model();
        string G(int i) => $"{keys}g{i}";
        string P(int i) => $"{keys}p{i}";
        foreach (var op in ops)
        {
            Interlocked.Increment(ref _operations);
            var g = G(op.Group);
            var p = P(op.Portfolio);
            var many = op.Portfolios.Distinct().Select(P).ToArray();
            switch (op.Kind)
            {
                case OpKind.AddGroup:
                    await PortfolioGroup.AddAsync(Store, g, "G");
                    model.Groups.Add(g);
                    break;
                case OpKind.AddPortfolio:
                    await Portfolio.AddAsync(Store, p);
                    model.Portfolios.Add(p);
                    break;
                case OpKind.AddMembership:
                    if (await ExpectAsync(() => PortfolioGroup.AddPortfolioAsync(Store, g, p), model.Groups.Contains(g) && model.Portfolios.Contains(p), op))
                    {
                        model.Pairs.Add((g, p));
                    }

                    break;
                case OpKind.RemoveMembership:
                    if (model.Groups.Contains(g) && model.Portfolios.Contains(p))
                    {
                        (await PortfolioGroup.RemovePortfolioAsync(Store, g, p)).Should().Be(model.Pairs.Remove((g, p)), op.ToString());
                    }

                    break;
                case OpKind.DeleteGroup:
                    (await PortfolioGroup.DeleteAsync(Store, g)).Should().Be(model.Groups.Remove(g), op.ToString());
                    model.Pairs.RemoveWhere(x => x.Group == g);
                    break;
                case OpKind.DeletePortfolio:
                    (await Portfolio.DeleteAsync(Store, p)).Should().Be(model.Portfolios.Remove(p), op.ToString());
                    model.Pairs.RemoveWhere(x => x.Portfolio == p);
                    break;
                case OpKind.BulkAdd:
                    if (await ExpectAsync(() => PortfolioGroup.AddPortfoliosAsync(Store, g, many.Select(x => (PortfolioRef)x)), model.Groups.Contains(g) && many.All(model.Portfolios.Contains), op))
                    {
                        model.Pairs.UnionWith(many.Select(x => (g, x)));
                    }

                    break;
                case OpKind.SetPortfolios:
                    if (await ExpectAsync(() => PortfolioGroup.SetPortfoliosAsync(Store, g, many.Select(x => (PortfolioRef)x)), model.Groups.Contains(g) && many.All(model.Portfolios.Contains), op))
                    {
                        model.Pairs.RemoveWhere(x => x.Group == g);
                        model.Pairs.UnionWith(many.Select(x => (g, x)));
                    }

                    break;
                case OpKind.BulkDeleteGroups:
                    var named = new[] { g, G(op.OtherGroup) }.Distinct().ToArray();
                    (await PortfolioGroup.BulkDeleteAsync(Store, uniqueIdentifiers: named)).Should().Be(named.Count(model.Groups.Remove), op.ToString());
                    model.Pairs.RemoveWhere(x => named.Contains(x.Group));
                    break;
                case OpKind.Move:
                    var to = G(op.OtherGroup);
                    if (!model.Groups.Contains(g) || !model.Portfolios.Contains(p))
                    {
                        break;
                    }

                    var membership = await PortfolioGroup.AddPortfolioAsync(Store, g, p);
                    model.Pairs.Add((g, p));
                    var move = () => PortfolioGroupMembership.UpdateAsync(Store, membership.Uid, new PortfolioGroupMembershipChanges { Group = to });
                    if (!model.Groups.Contains(to))
                    {
                        await move.Should().ThrowAsync<RowNotFoundException>(op.ToString());
                    }
                    else if (to != g && model.Pairs.Contains((to, p)))
                    {
                        await move.Should().ThrowAsync<DuplicateKeyException>(op.ToString());
                    }
                    else
                    {
                        await move();
                        model.Pairs.Remove((g, p));
                        model.Pairs.Add((to, p));
                    }

                    break;
            }
        }

        return model;
    }

    /// <summary>Runs a call the model says succeeds (true) or fails with <see cref="RowNotFoundException"/> (false).</summary>
    private static async Task<bool> ExpectAsync(Func<Task> call, bool succeeds, Op op)
    {
        if (succeeds)
        {
            await call();
            return true;
        }

        await call.Should().ThrowAsync<RowNotFoundException>(op.ToString());
        return false;
    }
}
