package card

// PersonIDField exposes the field name persons' ID numbers are opened
// under, for the test that it matches identity's.
const PersonIDField = personIDField
