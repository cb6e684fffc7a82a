namespace Baton.Registry.Tests.Infrastructure;

/// <summary>One anonymous registry for a test class; each test uses repositories of its own.</summary>
public sealed class AnonymousRegistry : IAsyncLifetime
{
    public RegistryProcess Registry { get; private set; } = null!;

    public async Task InitializeAsync() => Registry = await RegistryProcess.StartAsync(new RegistryAuth.None());

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

/// <summary>A registry with basic auth (htpasswd, bcrypt) for one user.</summary>
public sealed class BasicAuthRegistry : IAsyncLifetime
{
    public const string Username = "deployer";
    public const string Password = "s3cret-Pass";

    public RegistryProcess Registry { get; private set; } = null!;

    public async Task InitializeAsync() => Registry = await RegistryProcess.StartAsync(new RegistryAuth.Basic(Username, Password));

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

/// <summary>A registry that accepts only bearer tokens from a token server the test runs.</summary>
public sealed class TokenAuthRegistry : IAsyncLifetime
{
    public const string Username = "robot";
    public const string Password = "t0ken-Pass";

    public TokenServer Tokens { get; } = new(Username, Password);
    public RegistryProcess Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Tokens.StartAsync();
        Registry = await RegistryProcess.StartAsync(Tokens.Auth);
    }

    public async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        await Tokens.DisposeAsync();
    }
}
