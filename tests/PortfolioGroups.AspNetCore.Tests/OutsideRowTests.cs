using System.Net;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// Rows written with plain SQL into a database older than the rules that refuse them, read over
/// HTTP: a row that can be read is answered; one that cannot is a problem answer naming it, never a 500.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class OutsideRowTests(Db db) : ApiTest(db)
{
    private const long PreviousVersion = 2026112902;

    [Test]
    public async Task Listing_groups_answers_metadata_nested_deeper_than_the_library_writes()
    {
        var (client, connectionString, api) = await OlderApiAsync();
        await using var _ = api;
        await InsertGroupAsync(connectionString, Guid.CreateVersion7().ToString("D"), "deep", Nested(100));

        var response = await client.GetAsync("/api/v1/portfolio-group/");
        var listing = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, listing);
        using var document = System.Text.Json.JsonDocument.Parse(listing, new System.Text.Json.JsonDocumentOptions { MaxDepth = 200 });
        listing.Should().Contain(string.Concat(Enumerable.Repeat("{\"a\":", 99)) + "{}");
    }

    [Test]
    public async Task Listing_groups_with_a_row_the_library_cannot_read_is_a_problem_naming_the_row_not_a_500()
    {
        var (client, connectionString, api) = await OlderApiAsync();
        await using var _ = api;
        await (await client.SendAsync("POST", "/api/v1/portfolio-group/", """{"unique_identifier":"good","display_name":"Good"}""")).ReadNodeAsync(HttpStatusCode.Created);

        // SQLite: a uid that is not a UUID; PostgreSQL (uuid columns): metadata deeper than the library reads.
        var uid = Db == Db.Sqlite ? "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz" : Guid.CreateVersion7().ToString("D");
        await InsertGroupAsync(connectionString, uid, "bad", Db == Db.Sqlite ? "{}" : Nested(1_001));

        var problem = await (await client.GetAsync("/api/v1/portfolio-group/")).ProblemAsync(HttpStatusCode.Conflict);

        problem["detail"]!.GetValue<string>().Should().Contain("PortfolioGroup").And.Contain(uid);
        (await client.GetAsync("/api/v1/portfolio-group/?unique_identifier=good")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [TestCase("""{"\udc00": 1}""")]
    [TestCase("""{"ok": {"x\ud800": [1]}}""")]
    public async Task A_metadata_key_that_is_a_lone_surrogate_is_a_400_naming_metadata_json_for_post_and_patch(string metadata)
    {
        var name = Unique("surrogate");
        var post = await Client.SendAsync("POST", "/api/v1/portfolio-group/", $$"""{"unique_identifier":"{{name}}","display_name":"G","metadata_json":{{metadata}}}""");
        (await post.ValidationErrorsAsync()).Should().Equal("metadata_json");

        var created = await (await Client.SendAsync("POST", "/api/v1/portfolio-group/", $$"""{"unique_identifier":"{{name}}-ok","display_name":"G","metadata_json":{"k":1} }""")).ReadNodeAsync(HttpStatusCode.Created);
        var patch = await Client.SendAsync("PATCH", $"/api/v1/portfolio-group/{created.Uid()}/", $$"""{"metadata_json":{{metadata}}}""");
        (await patch.ValidationErrorsAsync()).Should().Equal("metadata_json");

        var after = await (await Client.GetAsync($"/api/v1/portfolio-group/{created.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK);
        after["metadata_json"]!.ToJsonString().Should().Be("""{"k":1}""");
    }

    /// <summary>The web sample on a new database, migrated (on start) and then taken back to the previous version.</summary>
    private async Task<(HttpClient Client, string ConnectionString, WebApi Api)> OlderApiAsync()
    {
        var connectionString = await NewDatabaseAsync();
        var api = new WebApi(Db, connectionString);
        var client = api.CreateClient();
        (await client.GetAsync("/api/v1/portfolio-group/")).StatusCode.Should().Be(HttpStatusCode.OK);
        await using (var store = await OpenStoreAsync(connectionString, new PortfolioStoreOptions { MigrateOnOpen = false }))
        {
            await store.MigrateDownAsync(PreviousVersion);
        }

        return (client, connectionString, api);
    }

    private async Task InsertGroupAsync(string connectionString, string uid, string uniqueIdentifier, string metadataJson)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var (uidValue, json) = Db == Db.Postgres ? ("CAST(@uid AS uuid)", "CAST(@metadata AS jsonb)") : ("@uid", "@metadata");
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name, metadata_json) VALUES ({uidValue}, @uniqueIdentifier, 'Outside', {json})";
        foreach (var (name, value) in new[] { ("uid", uid), ("uniqueIdentifier", uniqueIdentifier), ("metadata", metadataJson) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);
}
