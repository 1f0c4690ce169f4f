using System.Net;
using System.Text;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>Malformed and hostile input to every route: never a 5xx, always a problem answer.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class MalformedInputTests(Db db) : ApiTest(db)
{
    /// <summary>Every route, with {g} and {p} for an existing group's and portfolio's uids.</summary>
    private static readonly (string Method, string Path)[] Routes =
    [
        ("GET", "/api/v1/portfolio-group/"),
        ("POST", "/api/v1/portfolio-group/"),
        ("GET", "/api/v1/portfolio-group/{g}/"),
        ("PATCH", "/api/v1/portfolio-group/{g}/"),
        ("DELETE", "/api/v1/portfolio-group/{g}/"),
        ("POST", "/api/v1/portfolio-group/bulk-delete/"),
        ("POST", "/api/v1/portfolio-group/bulk-delete/preflight/"),
        ("GET", "/api/v1/portfolio-group/{g}/portfolios/"),
        ("POST", "/api/v1/portfolio-group/{g}/portfolios/"),
        ("PUT", "/api/v1/portfolio-group/{g}/portfolios/"),
        ("POST", "/api/v1/portfolio-group/{g}/portfolios/bulk-add/"),
        ("DELETE", "/api/v1/portfolio-group/{g}/portfolios/{p}/"),
        ("GET", "/api/v1/portfolio-group/by-portfolio/{p}/"),
        ("POST", "/api/v1/portfolio-group/membership/bulk-delete/"),
        ("GET", "/api/v1/portfolio-group/counts/"),
        ("GET", "/api/v1/portfolio/"),
        ("POST", "/api/v1/portfolio/"),
        ("GET", "/api/v1/portfolio/{p}/"),
        ("PATCH", "/api/v1/portfolio/{p}/"),
        ("DELETE", "/api/v1/portfolio/{p}/"),
        ("POST", "/api/v1/portfolio/bulk-delete/"),
        ("GET", "/api/v1/portfolio-group/discovery/"),
        ("GET", "/api/v1/portfolio-group/{g}/portfolios/discovery/"),
        ("GET", "/api/v1/portfolio-group/by-portfolio/{p}/discovery/"),
    ];

    private static readonly string[] Bodies =
    [
        "",
        "{",
        "}",
        "[]",
        "null",
        "42",
        "\"text\"",
        "{\"unique_identifier\":",
        "{\"unique_identifier\":\"a\",\"unique_identifier\":\"b\",\"display_name\":\"x\"}",
        "{\"uids\":\"not-a-list\",\"unique_identifiers\":{},\"portfolio_uids\":[1,null,true],\"portfolio_uid\":7}",
        "{\"uids\":[\"00000000-0000-0000-0000-000000000000\"],\"portfolio_group_uids\":[\"zz\"]}",
        "{\"portfolio_unique_identifiers\":[null],\"portfolio_unique_identifier\":\"\\u0000\"}",
        "{\"unique_identifier\":\"\\ud800\",\"display_name\":\"\\udc00x\",\"description\":\"\\u0000\"}",
        "{\"unique_identifier\":\"ok\",\"display_name\":\"ok\",\"metadata_json\":\"{}\"}",
        "{\"unique_identifier\":\"ok\",\"display_name\":\"ok\",\"metadata_json\":{\"k\":\"\\u0000\"}}",
        "{\"display_name\":1e999,\"description\":[],\"metadata_json\":12}",
        "{\"limit\":5,\"cursor\":\"x\"}",
        "{\"selection\":{\"mode\":\"explicit\",\"uids\":[1.5,null,{},\" \",\"00000000-0000-0000-0000-000000000000\"]},\"options\":[]}",
        "{\"selection\":{\"mode\":7,\"query\":{\"filters\":{\"limit\":1}}},\"options\":{\"a\":{}}}",
        "{\"selection\":[],\"options\":null}",
        new string('[', 5000) + new string(']', 5000),
        "{\"unique_identifier\":\"ok\",\"display_name\":\"ok\",\"metadata_json\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}",
        "{\"unique_identifier\":\"" + new string('u', 300) + "\",\"display_name\":\"" + new string('d', 300) + "\"}",
    ];

    private static readonly string[] Queries =
    [
        "?limit=-1", "?limit=99999999999999", "?limit=1.5", "?limit=", "?cursor=", "?cursor=%00", "?cursor=00000000000000000000000000000000",
        "?group_uids=,,", "?group_uids=nope", "?in_all_groups=nope&in_any_group=&not_in_groups=%ZZ", "?search=%00", "?search=\\%_",
        "?unique_identifier=%00", "?limit=1&limit=2", "?offset=-1", "?offset=1e3", "?offset=2147483647&limit=1", "?offset=", "?limit=3&offset=7", "?unknown=1",
    ];

    private async Task<(Guid Group, Guid Portfolio)> SeedAsync()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("bad-g"), "G");
        var portfolio = await Portfolio.AddAsync(Store, Unique("bad-p"));
        await group.AddPortfolioAsync(portfolio);
        return (group.Uid, portfolio.Uid);
    }

    private static async Task ExpectNo5xxAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeLessThan(500, $"{what} answered {text}");
        if ((int)response.StatusCode >= 400)
        {
            (response.Content.Headers.ContentType?.MediaType).Should().Be("application/problem+json", what);
            text.Should().NotContain("   at ", $"{what} must not show a stack trace").And.NotContain("Exception").And.NotContain("Npgsql").And.NotContain("SQLite");
        }
    }

    [Test]
    public async Task Malformed_bodies_to_every_route_never_get_a_5xx()
    {
        var (group, portfolio) = await SeedAsync();
        foreach (var (method, template) in Routes)
        {
            var path = template.Replace("{g}", group.ToString(), StringComparison.Ordinal).Replace("{p}", portfolio.ToString(), StringComparison.Ordinal);
            foreach (var body in Bodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                await ExpectNo5xxAsync(await Client.SendAsync(request), $"{method} {path} with {body[..Math.Min(body.Length, 60)]}");
            }

            using var invalidUtf8 = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) };
            invalidUtf8.Content.Headers.ContentType = new("application/json");
            await ExpectNo5xxAsync(await Client.SendAsync(invalidUtf8), $"{method} {path} with invalid UTF-8");

            using var xml = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("<a/>", Encoding.UTF8, "application/xml") };
            await ExpectNo5xxAsync(await Client.SendAsync(xml), $"{method} {path} with XML");
        }
    }

    [Test]
    public async Task Bad_path_values_and_query_strings_to_every_route_never_get_a_5xx()
    {
        var (group, portfolio) = await SeedAsync();
        // (A NUL in the path is refused by the server before routing: Kestrel answers 400, the in-memory test server throws.)
        string[] badUids = ["not-a-uid", "00000000-0000-0000-0000-000000000000", "%20", "%C3%28", new string('9', 300)];
        foreach (var (method, template) in Routes)
        {
            foreach (var bad in badUids)
            {
                var path = template.Replace("{g}", bad, StringComparison.Ordinal).Replace("{p}", bad, StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Calls.Json("{}") };
                await ExpectNo5xxAsync(await Client.SendAsync(request), $"{method} {path}");
            }

            if (method == "GET")
            {
                var path = template.Replace("{g}", group.ToString(), StringComparison.Ordinal).Replace("{p}", portfolio.ToString(), StringComparison.Ordinal);
                foreach (var query in Queries)
                {
                    await ExpectNo5xxAsync(await Client.GetAsync(path + query), $"GET {path}{query}");
                }
            }
        }
    }

    [Test]
    public async Task A_bad_uid_in_the_path_is_400_naming_it()
    {
        var (group, _) = await SeedAsync();
        var response = await Client.DeleteAsync($"/api/v1/portfolio-group/{group}/portfolios/nope/");
        (await response.ValidationErrorsAsync()).Should().Equal("portfolio_uid");
        (await (await Client.SendAsync("POST", "/api/v1/portfolio/", "{")).ValidationErrorsAsync()).Should().Equal("body");
        var unsupported = await Client.PostAsync("/api/v1/portfolio/", new StringContent("<a/>", Encoding.UTF8, "application/xml"));
        await unsupported.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }
}
