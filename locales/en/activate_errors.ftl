# The activation form's errors (#31): src/activation/linking.rs.
activate-error-incomplete = Enter the activation code and your date of birth (year, month and day).
activate-error-no-match = That activation code and date of birth do not match a record we can link. Check both and try again, or ask your clinic for a new code.
activate-error-too-many = Too many attempts. Please wait an hour, or ask your clinic for help.
activate-error-already-linked = This record or this account is already linked. Ask your clinic for help.
