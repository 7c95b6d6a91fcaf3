"""GridDesk: a 95598-style customer-service platform for power utilities."""
