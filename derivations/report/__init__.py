"""The derivation report: `derivations report` writes LaTeX (and a PDF) where every step carries its verdict."""
