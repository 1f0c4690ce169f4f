using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// Reads as of an instant (<c>PortfolioGroup.GetPortfoliosAsync(store, group, asOf)</c> and its
/// kin), held against a model: random sequences of adds, removes, SetPortfolios, bulk adds, group
/// and portfolio deletes (and re-creations under the same identifier) and plain-SQL writes, with the
/// database's instant recorded after each step; then at every recorded instant the as-of reads equal
/// the model's state then.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class AsOfReadTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private sealed record Member(Guid Group, string GroupId, Guid Portfolio, string PortfolioId);

    [TestCase(1)]
    [TestCase(2)]
    public async Task As_of_reads_equal_the_model_at_every_recorded_instant(int seed)
    {
        if (IsHostMode)
        {
            Assert.Ignore("a library-mode model on a database of its own: the host fixture would only repeat it");
        }

        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await using var plain = await OpenPlainConnectionAsync(connectionString);
        var random = new Random(seed);
        var picks = new Random(seed + 100);

        var groups = new Dictionary<string, Guid>();     // live groups by identifier
        var portfolios = new Dictionary<string, Guid>(); // live portfolios by identifier
        var members = new HashSet<Member>();
        var everGroups = new HashSet<(Guid Uid, string Id)>();
        var everPortfolios = new HashSet<(Guid Uid, string Id)>();
        var snapshots = new List<(DateTimeOffset At, Member[] State)>();

        async Task EnsureGroupAsync(string id)
        {
            if (!groups.ContainsKey(id))
            {
                groups[id] = (await PortfolioGroup.AddAsync(store, id, id)).Uid;
                everGroups.Add((groups[id], id));
            }
        }

        async Task EnsurePortfolioAsync(string id)
        {
            if (!portfolios.ContainsKey(id))
            {
                portfolios[id] = (await Portfolio.AddAsync(store, id)).Uid;
                everPortfolios.Add((portfolios[id], id));
            }
        }

        Member Pair(string g, string p) => new(groups[g], g, portfolios[p], p);
        string AnyGroup() => $"g{random.Next(4)}";
        string AnyPortfolio() => $"p{random.Next(12)}";

        for (var step = 0; step < 45; step++)
        {
            var g = AnyGroup();
            var p = AnyPortfolio();
            await EnsureGroupAsync(g);
            await EnsurePortfolioAsync(p);
            switch (random.Next(8))
            {
                case 0 or 1:
                    if (members.Add(Pair(g, p)))
                    {
                        await PortfolioGroup.AddPortfolioAsync(store, groups[g], portfolios[p]);
                    }

                    break;
                case 2:
                    if (members.Remove(Pair(g, p)))
                    {
                        (await PortfolioGroup.RemovePortfolioAsync(store, g, p)).Should().BeTrue();
                    }

                    break;
                case 3:
                    var chosen = Enumerable.Range(0, 12).Where(_ => random.Next(3) == 0).Select(i => $"p{i}").ToList();
                    foreach (var id in chosen)
                    {
                        await EnsurePortfolioAsync(id);
                    }

                    await PortfolioGroup.SetPortfoliosAsync(store, g, chosen.Select(id => (PortfolioRef)id));
                    members.RemoveWhere(m => m.GroupId == g);
                    members.UnionWith(chosen.Select(id => Pair(g, id)));
                    break;
                case 4:
                    var adds = new List<Member>();
                    foreach (var id in Enumerable.Range(0, 12).Where(_ => random.Next(4) == 0).Select(i => $"p{i}"))
                    {
                        await EnsurePortfolioAsync(id);
                        var group = AnyGroup();
                        await EnsureGroupAsync(group);
                        if (!members.Contains(Pair(group, id)) && adds.All(a => a != Pair(group, id)))
                        {
                            adds.Add(Pair(group, id));
                        }
                    }

                    await PortfolioGroupMembership.AddManyAsync(store, adds.Select(a => ((PortfolioGroupRef)a.Group, (PortfolioRef)a.Portfolio)));
                    members.UnionWith(adds);
                    break;
                case 5:
                    // Deleting a group cascades to its memberships; the identifier may come back as another group.
                    (await PortfolioGroup.DeleteAsync(store, g)).Should().BeTrue();
                    members.RemoveWhere(m => m.GroupId == g);
                    groups.Remove(g);
                    break;
                case 6:
                    (await Portfolio.DeleteAsync(store, p)).Should().BeTrue();
                    members.RemoveWhere(m => m.PortfolioId == p);
                    portfolios.Remove(p);
                    break;
                default:
                    // Another client, with plain SQL.
                    var pair = Pair(g, p);
                    if (members.Remove(pair))
                    {
                        await plain.ExecuteAsync($"DELETE FROM {Table("portfolio_group_membership")} WHERE portfolio_group_uid = '{pair.Group:D}' AND portfolio_uid = '{pair.Portfolio:D}'");
                    }
                    else
                    {
                        members.Add(pair);
                        await plain.ExecuteAsync(
                            $"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) VALUES ('{Guid.CreateVersion7():D}', '{pair.Group:D}', '{pair.Portfolio:D}')");
                    }

                    break;
            }

            // The instant of the step's last change, as the database stamped it; the next step's
            // changes fall in a later tick of its clock.
            snapshots.Add((await LastChangeAsync(plain) ?? DateTimeOffset.UnixEpoch, [.. members]));
            await Task.Delay(3);
        }

        snapshots.Select(s => s.State.Length).Distinct().Should().HaveCountGreaterThan(3, "the sequence must change the state");
        foreach (var (at, state) in snapshots)
        {
            foreach (var (uid, id) in everGroups)
            {
                var expected = state.Where(m => m.Group == uid).Select(m => (m.Portfolio, m.PortfolioId)).OrderBy(x => x.Portfolio).ToList();
                var byUid = await PortfolioGroup.GetPortfoliosAsync(store, uid, at);
                byUid.Select(i => (i.PortfolioUid, i.PortfolioUniqueIdentifier)).Should().Equal(expected, $"group {id} ({uid}) as of {at:O}");
                byUid.All(i => i.ValidFrom <= at && (i.ValidTo == null || i.ValidTo > at) && i.GroupUid == uid).Should().BeTrue("each interval is in force then");

                // By the identifier it had then: the group of that name at that instant, whichever it was.
                var expectedById = state.Where(m => m.GroupId == id).Select(m => (m.Portfolio, m.PortfolioId)).OrderBy(x => x.Portfolio).ToList();
                var byId = new List<(Guid, string)>();
                await foreach (var i in PortfolioGroup.StreamPortfoliosAsync(store, id, at))
                {
                    byId.Add((i.PortfolioUid, i.PortfolioUniqueIdentifier));
                }

                byId.Should().Equal(expectedById, $"group identifier {id} as of {at:O}");

                // In keyset pages: the same rows, by uid and by identifier.
                (await PagesAsync((page) => PortfolioGroup.GetPortfoliosPageAsync(store, uid, at, page), i => i.PortfolioUid, 2))
                    .Select(i => (i.PortfolioUid, i.PortfolioUniqueIdentifier)).Should().Equal(expected, $"paged, group {id} ({uid}) as of {at:O}");
                (await PagesAsync((page) => PortfolioGroup.GetPortfoliosPageAsync(store, id, at, page), i => i.PortfolioUid, 1))
                    .Select(i => (i.PortfolioUid, i.PortfolioUniqueIdentifier)).Should().Equal(expectedById, $"paged, group identifier {id} as of {at:O}");
            }

            foreach (var (uid, id) in everPortfolios)
            {
                var expected = state.Where(m => m.Portfolio == uid).Select(m => (m.Group, m.GroupId)).OrderBy(x => x.Group).ToList();
                (await PortfolioGroup.GetGroupsForPortfolioAsync(store, uid, at)).Select(i => (i.GroupUid, i.GroupUniqueIdentifier))
                    .Should().Equal(expected, $"portfolio {id} ({uid}) as of {at:O}");
                (await PagesAsync((page) => PortfolioGroup.GetGroupsForPortfolioPageAsync(store, uid, at, page), i => i.GroupUid, 2))
                    .Select(i => (i.GroupUid, i.GroupUniqueIdentifier)).Should().Equal(expected, $"paged, portfolio {id} ({uid}) as of {at:O}");
            }

            var counts = await PortfolioGroup.CountPortfoliosAsync(store, null, at);
            counts.Should().BeEquivalentTo(state.GroupBy(m => m.Group).ToDictionary(x => x.Key, x => (long)x.Count()), $"the counts as of {at:O}");

            await SetFiltersEqualTheModelAsync(store, picks, [.. everGroups], at, state);
        }
    }

    /// <summary>
    /// The as-of set filters (in all / any / none of some groups, named by uid or by an identifier
    /// they had) equal the model at <paramref name="at"/>: listed, streamed and paged.
    /// </summary>
    private static async Task SetFiltersEqualTheModelAsync(PortfolioStore store, Random random, (Guid Uid, string Id)[] everGroups, DateTimeOffset at, Member[] state)
    {
        // A reference names a group by uid, or by identifier: then every group that had it then.
        bool Names(PortfolioGroupRef reference, Member m) => reference.Uid is { } uid ? m.Group == uid : m.GroupId == reference.UniqueIdentifier;
        List<PortfolioGroupRef>? Pick()
        {
            if (random.Next(3) == 0)
            {
                return null;
            }

            return [.. everGroups.Where(_ => random.Next(3) == 0)
                .Select(g => random.Next(2) == 0 ? PortfolioGroupRef.ByUid(g.Uid) : PortfolioGroupRef.ByUniqueIdentifier(g.Id))];
        }

        var universe = state.GroupBy(m => m.Portfolio).ToDictionary(x => x.Key, x => x.ToList());
        for (var round = 0; round < 3; round++)
        {
            var filter = new PortfolioFilter { InAllGroups = Pick(), InAnyGroup = Pick(), NotInGroups = Pick() };
            var expected = universe
                .Where(p => filter.InAllGroups is not { } all || all.All(r => p.Value.Any(m => Names(r, m))))
                .Where(p => filter.InAnyGroup is not { } any || any.Any(r => p.Value.Any(m => Names(r, m))))
                .Where(p => filter.NotInGroups is not { } none || !none.Any(r => p.Value.Any(m => Names(r, m))))
                .Select(p => new PortfolioAsOf(p.Key, p.Value[0].PortfolioId))
                .OrderBy(p => p.Uid)
                .ToList();
            var because = $"all [{Describe(filter.InAllGroups)}] any [{Describe(filter.InAnyGroup)}] none [{Describe(filter.NotInGroups)}] as of {at:O}";

            (await Portfolio.FilterAsync(store, filter, at)).Should().Equal(expected, because);

            var paged = new List<PortfolioAsOf>();
            PageRequest? page = PageRequest.First(2);
            while (page is not null)
            {
                var result = await Portfolio.FilterPageAsync(store, filter, at, page);
                result.Items.Count.Should().BeLessThanOrEqualTo(2);
                paged.AddRange(result.Items);
                page = result.Next;
            }

            paged.Should().Equal(expected, "paged: " + because);
        }

        // One group named (its own statement, in the group's index order): by uid in "any of", by identifier in "all of".
        foreach (var (uid, id) in everGroups.Take(3))
        {
            foreach (var filter in new[] { new PortfolioFilter { InAnyGroup = [uid] }, new PortfolioFilter { InAllGroups = [id] } })
            {
                var reference = filter.InAnyGroup?.Single() ?? filter.InAllGroups!.Single();
                var expected = universe.Where(p => p.Value.Any(m => Names(reference, m)))
                    .Select(p => new PortfolioAsOf(p.Key, p.Value[0].PortfolioId)).OrderBy(p => p.Uid).ToList();
                (await Portfolio.FilterAsync(store, filter, at)).Should().Equal(expected, $"one group {reference} as of {at:O}");
                var paged = new List<PortfolioAsOf>();
                PageRequest? page = PageRequest.First(2);
                while (page is not null)
                {
                    var result = await Portfolio.FilterPageAsync(store, filter, at, page);
                    paged.AddRange(result.Items);
                    page = result.Next;
                }

                paged.Should().Equal(expected, $"paged, one group {reference} as of {at:O}");
            }
        }

        var every = new List<PortfolioAsOf>();
        await foreach (var p in Portfolio.StreamAsync(store, null, at))
        {
            every.Add(p);
        }

        every.Should().Equal(universe.Keys.Order().Select(k => new PortfolioAsOf(k, universe[k][0].PortfolioId)), $"every portfolio in a group as of {at:O}");

        static string Describe(IEnumerable<PortfolioGroupRef>? refs) => refs is null ? "-" : string.Join(", ", refs.Select(r => r.ToString()));
    }

    /// <summary>
    /// Every page of a keyset listing, from the first of <paramref name="size"/> on; each holds at
    /// most <paramref name="size"/> rows, or more only when they all share one position.
    /// </summary>
    private static async Task<List<MembershipInterval>> PagesAsync(
        Func<PageRequest, Task<Page<MembershipInterval>>> read, Func<MembershipInterval, Guid> position, int size)
    {
        var rows = new List<MembershipInterval>();
        for (PageRequest? request = PageRequest.First(size); request is not null;)
        {
            var page = await read(request);
            if (page.Items.Count > size)
            {
                page.Items.Select(position).Distinct().Should().ContainSingle("a page holds more than its size only to keep one position whole");
            }

            rows.AddRange(page.Items);
            request = page.Next;
        }

        return rows;
    }

    [Test]
    public async Task Keyset_pages_as_of_an_identifier_recorded_for_two_groups_never_split_a_portfolio_and_continue_only_their_own_listing()
    {
        // Group a, identifier x, is renamed y by plain SQL (its intervals keep x); group b takes x.
        var x = Unique("x");
        var a = await PortfolioGroup.AddAsync(Store, x, "A");
        var p = await AddPortfolioAsync(Unique("p"));
        var q = await AddPortfolioAsync(Unique("q"));
        var r = await AddPortfolioAsync(Unique("r"));
        await PortfolioGroupMembership.AddManyAsync(Store, [(a.Uid, p.Uid), (a.Uid, q.Uid)]);
        await using (var plain = await OpenPlainConnectionAsync())
        {
            await plain.ExecuteAsync($"UPDATE {Table("portfolio_group")} SET unique_identifier = '{Unique("y")}' WHERE unique_identifier = '{x}'");
        }

        var b = await PortfolioGroup.AddAsync(Store, x, "B");
        await PortfolioGroupMembership.AddManyAsync(Store, [(b.Uid, p.Uid), (b.Uid, q.Uid), (b.Uid, r.Uid)]);
        await Task.Delay(3);
        var at = DateTimeOffset.UtcNow;

        var stream = await PortfolioGroup.GetPortfoliosAsync(Store, x, at);
        stream.Should().HaveCount(5, "p and q are in both groups that recorded x, r in one");
        foreach (var size in new[] { 1, 2, 3, 4, 5, 6 })
        {
            var pages = new List<Page<MembershipInterval>>();
            for (PageRequest? request = PageRequest.First(size); request is not null;)
            {
                var page = await PortfolioGroup.GetPortfoliosPageAsync(Store, x, at, request);
                pages.Add(page);
                request = page.Next;
            }

            pages.SelectMany(page => page.Items).Select(i => (i.PortfolioUid, i.GroupUid)).Should()
                .BeEquivalentTo(stream.Select(i => (i.PortfolioUid, i.GroupUid)), o => o.WithStrictOrdering(), $"pages of {size}");
            pages.Zip(pages.Skip(1)).Where(pair => pair.First.Items.Count > 0 && pair.Second.Items.Count > 0)
                .All(pair => pair.First.Items[^1].PortfolioUid != pair.Second.Items[0].PortfolioUid).Should().BeTrue($"no page of {size} splits a portfolio");
            pages.Where(page => page.Items.Count > size).All(page => page.Items.Select(i => i.PortfolioUid).Distinct().Count() == 1)
                .Should().BeTrue($"a page of {size} holds more only to keep one portfolio whole");
            if (size == 1)
            {
                pages.Count(page => page.Items.Count == 2).Should().Be(2, "p's two intervals, then q's, each fill a page of one");
            }
        }

        // The portfolio side: a portfolio named by uid pages its two groups one at a time.
        (await PagesAsync((page) => PortfolioGroup.GetGroupsForPortfolioPageAsync(Store, p.Uid, at, page), i => i.GroupUid, 1))
            .Select(i => i.GroupUid).Should().Equal(new[] { a.Uid, b.Uid }.Order());

        // A cursor continues its own listing only: not another instant, group or side.
        var cursor = (await PortfolioGroup.GetPortfoliosPageAsync(Store, b.Uid, at, PageRequest.First(1))).Next!;
        (await PortfolioGroup.GetPortfoliosPageAsync(Store, b.Uid, at, cursor)).Items.Should().HaveCount(1);
        Func<Task>[] foreign =
        [
            () => PortfolioGroup.GetPortfoliosPageAsync(Store, b.Uid, at.AddSeconds(-1), cursor),
            () => PortfolioGroup.GetPortfoliosPageAsync(Store, a.Uid, at, cursor),
            () => PortfolioGroup.GetPortfoliosPageAsync(Store, x, at, cursor),
            () => PortfolioGroup.GetPortfoliosPageAsync(Store, b.Uid, cursor),
            () => PortfolioGroup.GetGroupsForPortfolioPageAsync(Store, p.Uid, at, cursor),
        ];
        foreach (var call in foreign)
        {
            (await call.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("page.After");
        }
    }

    /// <summary>
    /// An identifier given to one group after another (each made, filled, and deleted) names more uids
    /// each time: up to <see cref="PortfolioGroups.Repositories.MembershipRepository.MaxMergedUids"/> the intervals are
    /// read as one walk per uid, merged, past it by one statement over all of them. As of each group's
    /// time, a read by the identifier, streamed and in pages of one, returns that group's members only.
    /// </summary>
    [Test]
    public async Task An_identifier_given_to_one_group_after_another_reads_each_group_as_of_its_time()
    {
        var x = Unique("reused");
        var p = await AddPortfolioAsync(Unique("p"));
        var q = await AddPortfolioAsync(Unique("q"));
        var times = new List<(DateTimeOffset At, Guid Group)>();
        async Task ExpectAsync(DateTimeOffset at, Guid group, string because)
        {
            var expected = new[] { p.Uid, q.Uid }.Order().Select(portfolio => (group, portfolio)).ToArray();
            (await PortfolioGroup.GetPortfoliosAsync(Store, x, at)).Select(i => (i.GroupUid, i.PortfolioUid)).Should().Equal(expected, because);
            (await PagesAsync(page => PortfolioGroup.GetPortfoliosPageAsync(Store, x, at, page), i => i.PortfolioUid, 1))
                .Select(i => (i.GroupUid, i.PortfolioUid)).Should().Equal(expected, because + ", in pages of one");
        }

        for (var i = 0; i <= PortfolioGroups.Repositories.MembershipRepository.MaxMergedUids; i++)
        {
            var group = await PortfolioGroup.AddAsync(Store, x, $"G{i}");
            await PortfolioGroupMembership.AddManyAsync(Store, [(group.Uid, p.Uid), (group.Uid, q.Uid)]);
            await Task.Delay(3);
            var at = DateTimeOffset.UtcNow;
            await Task.Delay(3);
            times.Add((at, group.Uid));
            await ExpectAsync(at, group.Uid, $"group {i}, while {i + 1} groups have had the identifier");
            (await PortfolioGroup.DeleteAsync(Store, group.Uid)).Should().BeTrue();
        }

        foreach (var (at, group) in times)
        {
            await ExpectAsync(at, group, $"after all {times.Count} groups");
        }

        (await PortfolioGroup.GetPortfoliosAsync(Store, x, DateTimeOffset.UtcNow)).Should().BeEmpty("every group that had the identifier is deleted");
    }

    /// <summary>
    /// The change log by an identifier that 17 groups had in turn (the one-uid, merged and one-statement
    /// reads): every interval of every group that had it, in the order they were opened, streamed and
    /// in pages of one alike; over a range, only the group that had it then; by the portfolio's identifier too.
    /// </summary>
    [Test]
    public async Task The_change_log_of_an_identifier_given_to_one_group_after_another_lists_each_groups_intervals()
    {
        var x = Unique("logged");
        var p = await AddPortfolioAsync(Unique("p"));
        var q = await AddPortfolioAsync(Unique("q"));
        var groups = new List<Guid>();
        for (var i = 0; i <= PortfolioGroups.Repositories.MembershipRepository.MaxMergedUids; i++)
        {
            var group = await PortfolioGroup.AddAsync(Store, x, $"G{i}");
            groups.Add(group.Uid);
            await PortfolioGroupMembership.AddManyAsync(Store, [(group.Uid, p.Uid), (group.Uid, q.Uid)]);
            await Task.Delay(3);
            var at = DateTimeOffset.UtcNow;
            await Task.Delay(3);
            var because = $"{i + 1} groups have had the identifier";

            var all = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = x });
            all.Select(v => v.GroupUid).Should().Equal(groups.SelectMany(g => new[] { g, g }), because);
            all.Select(v => (v.GroupUid, v.PortfolioUid)).Should().BeEquivalentTo(groups.SelectMany(g => new[] { (g, p.Uid), (g, q.Uid) }), because);
            all.Should().OnlyContain(v => v.GroupUniqueIdentifier == x);
            (await PagesAsync(page => PortfolioGroupMembership.GetHistoryPageAsync(Store, new MembershipHistoryFilter { Group = x }, page), v => v.MembershipUid, 1))
                .Should().Equal(all, because + ", in pages of one");

            var then = new MembershipHistoryFilter { Group = x, From = at, To = at.AddMilliseconds(1) };
            (await PortfolioGroupMembership.GetHistoryAsync(Store, then)).Select(v => (v.GroupUid, v.PortfolioUid))
                .Should().BeEquivalentTo([(group.Uid, p.Uid), (group.Uid, q.Uid)], because + ", over a range when only this group had it");
            (await PagesAsync(page => PortfolioGroupMembership.GetHistoryPageAsync(Store, then, page), v => v.MembershipUid, 1)).Should().HaveCount(2, because);
            (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Portfolio = p.UniqueIdentifier, From = at, To = at.AddMilliseconds(1) }))
                .Should().ContainSingle(because).Which.GroupUid.Should().Be(group.Uid);
            (await PortfolioGroup.DeleteAsync(Store, group.Uid)).Should().BeTrue();
        }

        (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = Unique("never") })).Should().BeEmpty("an identifier no group had lists nothing");
    }

    [Test]
    public async Task An_as_of_read_of_a_deleted_portfolio_returns_its_uid_and_identifier_as_they_were_and_counts_name_groups_by_uid()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var portfolio = await AddPortfolioAsync(Unique("p"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, portfolio.Uid);
        var member = (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group.Uid })).Single().ValidFrom;
        var before = member.AddMilliseconds(-1);
        await Task.Delay(3);

        (await DeletePortfolioAsync(portfolio.Uid)).Should().BeTrue();
        (await PortfolioGroup.GetPortfoliosAsync(Store, group.Uid)).Should().BeEmpty();

        var then = (await PortfolioGroup.GetPortfoliosAsync(Store, group.UniqueIdentifier, member)).Should().ContainSingle().Subject;
        then.PortfolioUid.Should().Be(portfolio.Uid);
        then.PortfolioUniqueIdentifier.Should().Be(portfolio.UniqueIdentifier);
        then.ValidTo.Should().NotBeNull().And.BeAfter(member);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, portfolio.UniqueIdentifier, member)).Should().ContainSingle().Which.GroupUid.Should().Be(group.Uid);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, portfolio.UniqueIdentifier, DateTimeOffset.UtcNow.AddMinutes(1))).Should().BeEmpty();

        var other = Guid.CreateVersion7();
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group.Uid, other], member)).Should().BeEquivalentTo(new Dictionary<Guid, long> { [group.Uid] = 1, [other] = 0 });
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group.UniqueIdentifier], member)).Should().BeEquivalentTo(new Dictionary<Guid, long> { [group.Uid] = 1 });
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group.UniqueIdentifier], before.AddDays(-1))).Should().BeEmpty();
        (await PortfolioGroup.CountPortfoliosAsync(Store, [], member)).Should().BeEmpty();
    }

    [Test]
    public async Task An_as_of_set_filter_returns_a_deleted_portfolio_as_it_was_and_names_a_deleted_group_by_its_old_identifier()
    {
        var kept = await PortfolioGroup.AddAsync(Store, Unique("kept"), "Kept");
        var gone = await PortfolioGroup.AddAsync(Store, Unique("gone"), "Gone");
        var a = await AddPortfolioAsync(Unique("a"));
        var b = await AddPortfolioAsync(Unique("b"));
        await PortfolioGroupMembership.AddManyAsync(Store, [(kept.Uid, a.Uid), (gone.Uid, a.Uid), (kept.Uid, b.Uid)]);
        var then = (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = kept.Uid }))
            .Concat(await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = gone.Uid })).Max(i => i.ValidFrom);
        await Task.Delay(3);

        (await DeletePortfolioAsync(a.Uid)).Should().BeTrue();
        (await PortfolioGroup.DeleteAsync(Store, gone.Uid)).Should().BeTrue();

        var inBoth = new PortfolioFilter { InAllGroups = [kept.UniqueIdentifier, gone.UniqueIdentifier] };
        (await Portfolio.FilterAsync(Store, inBoth, then)).Should().Equal(new PortfolioAsOf(a.Uid, a.UniqueIdentifier));
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [kept.Uid], NotInGroups = [gone.UniqueIdentifier] }, then))
            .Should().Equal(new PortfolioAsOf(b.Uid, b.UniqueIdentifier));
        (await Portfolio.FilterAsync(Store, inBoth, DateTimeOffset.UtcNow.AddMinutes(1))).Should().BeEmpty("the group and the portfolio are gone now");
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [] }, then)).Should().BeEmpty();
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAllGroups = [kept.Uid, Guid.CreateVersion7()] }, then)).Should().BeEmpty("a group that had no members then has none in all");
    }

    [TestCase("Uids")]
    [TestCase("UniqueIdentifiers")]
    [TestCase("Search")]
    public async Task An_as_of_set_filter_refuses_the_fields_that_select_by_what_a_portfolio_is_now(string field)
    {
        var filter = field switch
        {
            "Uids" => new PortfolioFilter { Uids = [Guid.CreateVersion7()] },
            "UniqueIdentifiers" => new PortfolioFilter { UniqueIdentifiers = ["x"] },
            _ => new PortfolioFilter { Search = "x" },
        };

        (await FluentActions.Awaiting(() => Portfolio.FilterAsync(Store, filter, DateTimeOffset.UtcNow)).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("filter." + field);
        FluentActions.Invoking(() => Portfolio.StreamAsync(Store, filter, DateTimeOffset.UtcNow)).Should().Throw<InvalidValueException>("the stream checks its filter when called");
    }

    [Test]
    public async Task A_bad_reference_is_refused_naming_the_field()
    {
        var act = () => PortfolioGroup.GetPortfoliosAsync(Store, "  ", DateTimeOffset.UtcNow);

        (await act.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("group");
    }

    /// <summary>The latest instant the history holds (an opening or a closing).</summary>
    private async Task<DateTimeOffset?> LastChangeAsync(System.Data.Common.DbConnection connection)
    {
        var text = Db == Db.Postgres ? "to_char(x AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" : "x";
        string? last = (await connection.QueryAsync<string>(
            $"SELECT {text} FROM (SELECT max(valid_from) AS x FROM {Table("portfolio_group_membership_history")} "
            + $"UNION ALL SELECT max(valid_to) FROM {Table("portfolio_group_membership_history")} "
            + $"UNION ALL SELECT max(deleted_at) FROM {Table("portfolio_group_deletion_history")}) t WHERE x IS NOT NULL ORDER BY x DESC LIMIT 1")).SingleOrDefault();
        return last is null ? null : DateTimeOffset.ParseExact(
            last,
            ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fff"],
            System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
    }
}
