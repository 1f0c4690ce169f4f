using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PortfolioGroups.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the PortfolioGroups HTTP API v1.</summary>
public static class PortfolioGroupsApiExtensions
{
    /// <summary>The route prefix <see cref="MapPortfolioGroupsApi"/> uses unless told otherwise.</summary>
    public const string DefaultPrefix = "/api/v1";

    /// <summary>
    /// Maps the v1 routes (<c>/portfolio-group/...</c> and <c>/portfolio/...</c>) under
    /// <paramref name="prefix"/>, on the <see cref="PortfolioGroups.PortfolioStore"/> registered
    /// in the host's services.
    /// </summary>
    /// <remarks>
    /// Paths, operation ids and snake_case fields follow the MainSequenceMarkets (msm) v1 portfolio-group API,
    /// with the Command Center resource contracts (resource collections paged by limit and offset,
    /// discovery documents, bulk-action preflight and execution); trailing slashes are optional.
    /// Errors are RFC 9457 problem details with a string <c>detail</c>: 400 with an
    /// <c>errors</c> map naming each bad field or query parameter, 404, 409, 413 and 415; a lost
    /// database connection is a 503 with <c>Retry-After</c>; an unforeseen error is logged and
    /// answered as a 500 without its details. The routes describe themselves for
    /// <c>Microsoft.AspNetCore.OpenApi</c> (<c>builder.Services.AddOpenApi()</c>,
    /// <c>app.MapOpenApi()</c>).
    /// </remarks>
    /// <param name="endpoints">The application, or any endpoint route builder.</param>
    /// <param name="prefix">The path the routes live under.</param>
    /// <returns>The route group, for the host's authorization, rate limits and the like.</returns>
    public static RouteGroupBuilder MapPortfolioGroupsApi(this IEndpointRouteBuilder endpoints, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var api = endpoints.MapGroup(prefix);
        Api.Map(api);
        return api;
    }

    /// <summary>The OpenAPI document's path that <see cref="MapPortfolioGroupsConnectionContract"/> names unless told otherwise (<c>app.MapOpenApi()</c>'s default).</summary>
    public const string DefaultOpenApiUrl = "/openapi/v1.json";

    /// <summary>
    /// Maps, at the root of <paramref name="endpoints"/>, the Command Center connection contract
    /// (<c>GET /.well-known/command-center/connection-contract</c>, Adapter From API discovery v1)
    /// and the zero-argument health operation it names (<c>GET /health</c>), as msm serves them.
    /// </summary>
    /// <remarks>
    /// The contract lists every operation <see cref="MapPortfolioGroupsApi"/> mapped, read from the
    /// endpoints themselves: operation id, method, path (with the API's prefix), kind (reads and
    /// the bulk-delete preflight are resources, the rest mutations), parameters and response
    /// contract. It is app-wide, so it is a separate call: a host that serves its own
    /// <c>/health</c> or well-known documents maps the API without it.
    /// </remarks>
    /// <param name="endpoints">The application.</param>
    /// <param name="openApiUrl">The path (or absolute URL) of the OpenAPI document the contract names.</param>
    /// <returns>The endpoints, for chaining.</returns>
    public static IEndpointRouteBuilder MapPortfolioGroupsConnectionContract(this IEndpointRouteBuilder endpoints, string openApiUrl = DefaultOpenApiUrl)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(openApiUrl);
        ConnectionContract.Map(endpoints, openApiUrl);
        return endpoints;
    }
}
