using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Hosting;

/// <summary>
/// Rows and pages in System.Text.Json: a row is its columns (never its store), a page is an object
/// with its items and next cursor. Each shape is checked through reflection and through the
/// source-generated <see cref="PortfolioGroupsJsonContext"/> (the suite runs with dynamic code off).
/// </summary>
[TestFixture(Db.Sqlite)]
public sealed class JsonShapeTests(Db db) : DatabaseTest(db)
{
    public enum Path
    {
        Reflection,
        SourceGenerated,
    }

    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private static readonly JsonSerializerOptions SourceGenerated = new(JsonSerializerDefaults.Web) { TypeInfoResolver = PortfolioGroupsJsonContext.Default };

    [TestCase(Path.Reflection)]
    [TestCase(Path.SourceGenerated)]
    public async Task A_portfolio_is_its_columns_without_the_store(Path path)
    {
        var portfolio = await Portfolio.AddAsync(Store, Unique("json-p"), displayName: "JSON portfolio");

        var json = Serialize(portfolio, path);

        JsonNode.DeepEquals(json, new JsonObject
        {
            ["uid"] = portfolio.Uid,
            ["uniqueIdentifier"] = portfolio.UniqueIdentifier,
            ["displayName"] = "JSON portfolio",
        }).Should().BeTrue(json.ToJsonString());
    }

    [TestCase(Path.Reflection)]
    [TestCase(Path.SourceGenerated)]
    public async Task A_group_is_its_columns_with_its_metadata_as_json_and_without_the_store(Path path)
    {
        using var metadata = JsonDocument.Parse("""{"owner":"research","tags":["a","b"]}""");
        var group = await PortfolioGroup.AddAsync(Store, Unique("json-g"), "JSON group", "described", metadata.RootElement);

        var json = Serialize(group, path);

        JsonNode.DeepEquals(json, new JsonObject
        {
            ["uid"] = group.Uid,
            ["uniqueIdentifier"] = group.UniqueIdentifier,
            ["displayName"] = "JSON group",
            ["description"] = "described",
            ["metadata"] = JsonNode.Parse("""{"owner":"research","tags":["a","b"]}"""),
        }).Should().BeTrue(json.ToJsonString());
    }

    [TestCase(Path.Reflection)]
    [TestCase(Path.SourceGenerated)]
    public async Task A_membership_is_its_three_uids(Path path)
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("json-mg"), "G");
        var portfolio = await Portfolio.AddAsync(Store, Unique("json-mp"));
        var membership = await group.AddPortfolioAsync(portfolio);

        var json = Serialize(membership, path);

        JsonNode.DeepEquals(json, new JsonObject
        {
            ["uid"] = membership.Uid,
            ["portfolioGroupUid"] = group.Uid,
            ["portfolioUid"] = portfolio.Uid,
        }).Should().BeTrue(json.ToJsonString());
    }

    [TestCase(Path.Reflection)]
    [TestCase(Path.SourceGenerated)]
    public async Task A_page_is_an_object_with_its_items_and_next_cursor(Path path)
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("json-page"), "Paged");
        var portfolios = new List<Portfolio>();
        for (var i = 0; i < 3; i++)
        {
            portfolios.Add(await Portfolio.AddAsync(Store, Unique($"json-page-{i}")));
            await group.AddPortfolioAsync(portfolios[^1]);
        }

        var first = await group.GetPortfoliosPageAsync(PageRequest.First(2));
        var last = await group.GetPortfoliosPageAsync(first.Next!);

        var firstJson = Serialize(first, path);
        var lastJson = Serialize(last, path);

        firstJson["items"]!.AsArray().Select(i => i!["uid"]!.GetValue<Guid>()).Should().Equal(first.Items.Select(p => p.Uid));
        firstJson["nextCursor"]!.GetValue<string>().Should().Be(first.NextCursor).And.NotBeNullOrEmpty();
        firstJson.AsObject().Select(p => p.Key).Should().Equal("items", "nextCursor");
        lastJson["items"]!.AsArray().Should().ContainSingle();
        lastJson.AsObject().ContainsKey("nextCursor").Should().BeTrue();
        lastJson["nextCursor"].Should().BeNull("the last page has no cursor, written as null");
        firstJson["items"]![0]!.AsObject().ContainsKey("store").Should().BeFalse();
    }

    [TestCase(Path.Reflection)]
    [TestCase(Path.SourceGenerated)]
    public async Task Pages_of_groups_and_of_memberships_are_objects_too(Path path)
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("json-pg"), "G");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(Store, Unique("json-pgp")));

        var groups = Serialize(await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Uids = [group.Uid] }, PageRequest.First()), path);
        var memberships = Serialize(await PortfolioGroupMembership.FilterPageAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [group.Uid] }, PageRequest.First()), path);

        groups["items"]![0]!["uid"]!.GetValue<Guid>().Should().Be(group.Uid);
        memberships["items"]![0]!["portfolioGroupUid"]!.GetValue<Guid>().Should().Be(group.Uid);
        groups["nextCursor"].Should().BeNull();
        memberships["nextCursor"].Should().BeNull();
    }

    [Test]
    public void The_default_names_are_the_property_names()
    {
        var json = JsonSerializer.Serialize(PortfolioGroupMembershipPage(), PortfolioGroupsJsonContext.Default.PagePortfolioGroupMembership);

        json.Should().Be("""{"Items":[],"NextCursor":null}""");
    }

    [Test]
    public void A_page_is_written_not_read()
    {
        var read = () => JsonSerializer.Deserialize("""{"Items":[],"NextCursor":null}""", PortfolioGroupsJsonContext.Default.PagePortfolio);

        read.Should().Throw<NotSupportedException>().WithMessage("*written as JSON, not read*");
    }

    private static Page<PortfolioGroupMembership> PortfolioGroupMembershipPage() => new([], 10, null);

    private static JsonNode Serialize<T>(T value, Path path)
    {
        var options = path == Path.Reflection ? Reflection : SourceGenerated;
        return JsonNode.Parse(JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T))))!;
    }
}
