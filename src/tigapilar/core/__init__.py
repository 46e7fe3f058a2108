"""Small shared building blocks every capability uses: settings, errors, scope, text helpers."""
