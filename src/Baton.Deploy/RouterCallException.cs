namespace Baton.Deploy;

/// <summary>
/// A router call that failed with a sentence for the user (a router that cannot be reached, or one of several that
/// refused a switch, the others switched back): the deploy fails with that sentence, not as an unexpected error.
/// </summary>
public class RouterCallException(string message) : Exception(message);
