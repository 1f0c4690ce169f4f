using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>
/// The Command Center connection contract (Adapter From API discovery v1), as msm serves it at
/// <c>/.well-known/command-center/connection-contract</c>, and the zero-argument health operation
/// it names. The operations are read from the mapped endpoints themselves, so the contract lists
/// exactly the routes this API serves, with their methods, paths and query parameters.
/// </summary>
internal static class ConnectionContract
{
    public const string Path = "/.well-known/command-center/connection-contract";
    public const string HealthPath = "/health";
    public const string HealthOperationId = "getApiHealth";
    public const string OperationId = "getCommandCenterConnectionContract";
    public const string ResourceCollectionContract = "command-center.resource_collection@v1";
    public const string ResourceDiscoveryContract = "command-center.resource_discovery@v1";
    public const string PreflightContract = "command-center.bulk_action_preflight@v1";

    /// <summary>Marks an endpoint the contract lists.</summary>
    internal sealed class Listed
    {
        public static readonly Listed Instance = new();
    }

    public static void Map(IEndpointRouteBuilder endpoints, string openApiUrl)
    {
        var routes = endpoints.MapGroup("").WithTags("command-center").WithMetadata(Listed.Instance);
        routes.AddEndpointFilter(Api.HandleErrorsAsync);
        routes.MapGet(HealthPath, () => Api.Json(new ApiHealth("ok", "portfolio-groups", Version)))
            .Describe(HealthOperationId, "Get API health", "A zero-argument health answer for API discovery; it does not touch the database.")
            .Produces<ApiHealth>();
        routes.MapGet(Path, (HttpContext context) => Api.Json(Build(context, openApiUrl)))
            .Describe(OperationId, "Get Command Center connection contract", "The Adapter From API discovery contract (version 1) for this API's operations: each route's operation id, method, path, kind, parameters and response contract, and the health operation.")
            .Produces<Contract>();
    }

    private static string Version { get; } =
        typeof(ConnectionContract).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ConnectionContract).Assembly.GetName().Version?.ToString() ?? "0";

    private static Contract Build(HttpContext context, string openApiUrl)
    {
        var sources = context.RequestServices.GetRequiredService<EndpointDataSource>();
        var operations = new List<Operation>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<Listed>() is null
                || metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is not { } id
                || metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is not [var method]
                || !seen.Add(id))
            {
                continue;
            }

            operations.Add(Describe(endpoint, id, method));
        }

        // The health operation first, as msm lists it; the rest by path, then method.
        operations.Sort((a, b) =>
            (a.OperationId == HealthOperationId ? 0 : 1).CompareTo(b.OperationId == HealthOperationId ? 0 : 1) is var first and not 0
                ? first
                : string.CompareOrdinal(a.Path, b.Path) is var path and not 0 ? path : string.CompareOrdinal(a.Method, b.Method));

        return new Contract(
            1,
            new AdapterInfo("adapter-from-api", "portfolio-groups.api-v1", "PortfolioGroups HTTP API", "Adapter contract for the PortfolioGroups HTTP API v1: portfolios, portfolio groups and their memberships."),
            new OpenApiInfo(openApiUrl),
            [],
            [],
            operations,
            new HealthOperation(HealthOperationId, 200, 5000));
    }

    private static Operation Describe(RouteEndpoint endpoint, string id, string method)
    {
        var metadata = endpoint.Metadata;
        var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            _ => "",
        }))));
        if (endpoint.RoutePattern.RawText?.EndsWith('/') == true && path.Length > 1)
        {
            path += "/";
        }

        var pathParameters = endpoint.RoutePattern.Parameters
            .Select(p => new Parameter(p.Name, p.Name, Label(p.Name), "string", true))
            .ToList();
        var queryParameters = (metadata.GetMetadata<QueryParameters>()?.Names ?? [])
            .Select(name => new Parameter(name, name, Label(name), name is "limit" or "offset" ? "number" : "string", false))
            .ToList();
        var accepts = metadata.GetMetadata<IAcceptsMetadata>();
        var body = accepts is { ContentTypes.Count: > 0 } ? new RequestBodyInfo(true, accepts.ContentTypes[0]) : null;

        // A read (any GET, and the preflight, which changes nothing) is a resource; the rest are mutations.
        var read = method == HttpMethods.Get || id.StartsWith("preflight", StringComparison.Ordinal);
        var kind = read ? "resource" : "mutation";
        var responseContract = id switch
        {
            _ when id.StartsWith("discover", StringComparison.Ordinal) => ResourceDiscoveryContract,
            _ when id.StartsWith("list", StringComparison.Ordinal) => ResourceCollectionContract,
            _ when id.StartsWith("preflight", StringComparison.Ordinal) => PreflightContract,
            _ => null,
        };
        return new Operation(
            id,
            method,
            path,
            kind,
            [kind],
            metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary ?? id,
            metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description ?? "",
            false,
            true,
            queryParameters.Any(p => p.Key == "limit"),
            new Parameters(pathParameters, queryParameters, []),
            body,
            responseContract,
            new Cache("disabled", false));
    }

    private static string Label(string name) =>
        string.Join(' ', name.Split('_').Select(word => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..]));

    /// <summary>The health answer: always ok while the process serves requests.</summary>
    internal sealed record ApiHealth(
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("service")] string Service,
        [property: JsonPropertyName("version")] string Version);

    /// <summary>The Adapter From API discovery contract, version 1.</summary>
    internal sealed record Contract(
        [property: JsonPropertyName("contractVersion")] int ContractVersion,
        [property: JsonPropertyName("adapter")] AdapterInfo Adapter,
        [property: JsonPropertyName("openapi")] OpenApiInfo OpenApi,
        [property: JsonPropertyName("configVariables")] IReadOnlyList<object> ConfigVariables,
        [property: JsonPropertyName("secretVariables")] IReadOnlyList<object> SecretVariables,
        [property: JsonPropertyName("availableOperations")] IReadOnlyList<Operation> AvailableOperations,
        [property: JsonPropertyName("health")] HealthOperation Health);

    /// <summary>Who the adapter is.</summary>
    internal sealed record AdapterInfo(
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("description")] string Description);

    /// <summary>Where the OpenAPI document is (root-relative).</summary>
    internal sealed record OpenApiInfo([property: JsonPropertyName("url")] string Url);

    /// <summary>One operation the adapter may call.</summary>
    internal sealed record Operation(
        [property: JsonPropertyName("operationId")] string OperationId,
        [property: JsonPropertyName("method")] string Method,
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("capabilities")] IReadOnlyList<string> Capabilities,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("requiresTimeRange")] bool RequiresTimeRange,
        [property: JsonPropertyName("supportsVariables")] bool SupportsVariables,
        [property: JsonPropertyName("supportsMaxRows")] bool SupportsMaxRows,
        [property: JsonPropertyName("parameters")] Parameters Parameters,
        [property: JsonPropertyName("requestBody"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RequestBodyInfo? RequestBody,
        [property: JsonPropertyName("responseContract"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResponseContract,
        [property: JsonPropertyName("cache")] Cache Cache);

    /// <summary>An operation's parameters by where they go.</summary>
    internal sealed record Parameters(
        [property: JsonPropertyName("path")] IReadOnlyList<Parameter> Path,
        [property: JsonPropertyName("query")] IReadOnlyList<Parameter> Query,
        [property: JsonPropertyName("headers")] IReadOnlyList<Parameter> Headers);

    /// <summary>One parameter.</summary>
    internal sealed record Parameter(
        [property: JsonPropertyName("key")] string Key,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("label")] string Label,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("required")] bool Required);

    /// <summary>An operation's JSON body.</summary>
    internal sealed record RequestBodyInfo(
        [property: JsonPropertyName("required")] bool Required,
        [property: JsonPropertyName("contentType")] string ContentType);

    /// <summary>Whether answers may be cached: never, for these operations.</summary>
    internal sealed record Cache(
        [property: JsonPropertyName("policy")] string Policy,
        [property: JsonPropertyName("dedupeInFlight")] bool DedupeInFlight);

    /// <summary>The health operation's reference and expectations.</summary>
    internal sealed record HealthOperation(
        [property: JsonPropertyName("operationId")] string OperationId,
        [property: JsonPropertyName("expectedStatus")] int ExpectedStatus,
        [property: JsonPropertyName("timeoutMs")] int TimeoutMs);
}
