"""The Definitions area: the account's event definitions, their editor and the comparison across accounts."""
