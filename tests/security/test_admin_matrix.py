# ruff: noqa: E501  (the table is as wide as its eight columns)
"""Every URL pattern of the Django admin, requested with GET and with POST by anonymous visitors and by
every role, about a record of their own organisation and about another's: each answers as ADMIN_MATRIX
says. The portal's own URLs are in test_access_matrix.py.

A row per admin URL pattern (django-simple-history's history pages and their revert URL, imports,
exports, custom steps and autocompletes included); a pattern without a row fails
`test_every_admin_url_pattern_has_a_row`. `ADMIN_MATRIX_PRINT=1 pytest tests/security/test_admin_matrix.py -s`
prints what each person gets, in the table's format, to review and paste.

Cells: "GET;POST", or one answer where both are the same. Each answer is "own/other" where the
record of the person's own organisation and another's differ, else one: 200/403/404/405 a status,
302 a redirect (not to log-in), "login" a redirect to a log-in page. Records that belong to no
organisation (the scheme, its rules, One Care's register) are the same record on both sides. A POST
is sent empty: a form answers with its errors, a step or an action is refused or done.
"""

import os

import pytest
from django.urls import reverse

from onecare.accounts.roles import Role
from tests.security.admin_world import SCOPED_MODELS, build_admin_world, record_for
from tests.security.conftest import login_verified
from tests.security.urls import Pattern, all_patterns
from tests.security.world import ANONYMOUS, PEOPLE

COLUMNS = ["anonymous", "commissioner", "finance", "manager", "lead", "data-admin", "onecare", "scrutineer"]
COLUMN_OF = dict(zip(PEOPLE, COLUMNS, strict=True))
LOGIN_URLS = ("/accounts/login/", "/admin/login/")
# Values for the parameters of custom admin URLs.
PARAMETERS = {
    "step": {"funding.release": "approve", "funding.paymentrun": "lock", "funding.rulechange": "approve"},
    "format": "csv",
    "kind": "csv",
}

# fmt: off
ADMIN_MATRIX = """
url                                                       anonymous commissioner    finance         manager lead  data-admin onecare scrutineer
admin:auth_group_changelist                               login     403             403             login   login 403        403     login
admin:auth_group_add                                      login     403             403             login   login 403        403     login
admin:auth_group_history                                  login     403             403             login   login 403        403     login
admin:auth_group_delete                                   login     403             403             login   login 403        403     login
admin:auth_group_change                                   login     403             403             login   login 403        403     login
admin/auth/group/<path:object_id>/                        login     302             302             login   login 302        302     login
admin:axes_accessattempt_changelist                       login     403             403             login   login 403        403     login
admin:axes_accessattempt_add                              login     403             403             login   login 403        403     login
admin:axes_accessattempt_history                          login     302             302             login   login 302        302     login
admin:axes_accessattempt_delete                           login     403             403             login   login 403        403     login
admin:axes_accessattempt_change                           login     403             403             login   login 403        403     login
admin/axes/accessattempt/<path:object_id>/                login     302             302             login   login 302        302     login
admin:axes_accesslog_changelist                           login     403             403             login   login 403        403     login
admin:axes_accesslog_add                                  login     403             403             login   login 403        403     login
admin:axes_accesslog_history                              login     403             403             login   login 403        403     login
admin:axes_accesslog_delete                               login     403             403             login   login 403        403     login
admin:axes_accesslog_change                               login     403             403             login   login 403        403     login
admin/axes/accesslog/<path:object_id>/                    login     302             302             login   login 302        302     login
admin:axes_accessfailurelog_changelist                    login     403             403             login   login 403        403     login
admin:axes_accessfailurelog_add                           login     403             403             login   login 403        403     login
admin:axes_accessfailurelog_history                       login     302             302             login   login 302        302     login
admin:axes_accessfailurelog_delete                        login     403             403             login   login 403        403     login
admin:axes_accessfailurelog_change                        login     403             403             login   login 403        403     login
admin/axes/accessfailurelog/<path:object_id>/             login     302             302             login   login 302        302     login
admin:otp_totp_totpdevice_config                          login     403             403             login   login 403        403     login
admin:otp_totp_totpdevice_qrcode                          login     403             403             login   login 403        403     login
admin:otp_totp_totpdevice_changelist                      login     403             403             login   login 403        403     login
admin:otp_totp_totpdevice_add                             login     403             403             login   login 403        403     login
admin:otp_totp_totpdevice_history                         login     403             403             login   login 403        403     login
admin:otp_totp_totpdevice_delete                          login     403             403             login   login 403        403     login
admin:otp_totp_totpdevice_change                          login     403             403             login   login 403        403     login
admin/otp_totp/totpdevice/<path:object_id>/               login     302             302             login   login 302        302     login
admin:accounts_user_simple_history                        login     403;405         403;405         login   login 403;405    403;405 login
admin:auth_user_password_change                           login     403             403             login   login 403        403     login
admin:accounts_user_changelist                            login     403             403             login   login 403        403     login
admin:accounts_user_add                                   login     403             403             login   login 403        403     login
admin:accounts_user_history                               login     403             403             login   login 403        403     login
admin:accounts_user_delete                                login     403             403             login   login 403        403     login
admin:accounts_user_change                                login     403             403             login   login 403        403     login
admin/accounts/user/<path:object_id>/                     login     302             302             login   login 302        302     login
admin:outbox_unsenttask_changelist                        login     403             403             login   login 200        403     login
admin:outbox_unsenttask_add                               login     403             403             login   login 403        403     login
admin:outbox_unsenttask_history                           login     403             403             login   login 200        403     login
admin:outbox_unsenttask_delete                            login     403             403             login   login 403        403     login
admin:outbox_unsenttask_change                            login     403             403             login   login 200;403    403     login
admin/outbox/unsenttask/<path:object_id>/                 login     302             302             login   login 302        302     login
admin:localities_commissioner_simple_history              login     200/404;405     200/404;405     login   login 200;405    404;405 login
admin:localities_commissioner_changelist                  login     200             200             login   login 200        403     login
admin:localities_commissioner_add                         login     403             403             login   login 200        403     login
admin:localities_commissioner_history                     login     200/404         200/404         login   login 200        404     login
admin:localities_commissioner_delete                      login     403             403             login   login 403        403     login
admin:localities_commissioner_change                      login     200/404;403     200/404;403     login   login 200        403     login
admin/localities/commissioner/<path:object_id>/           login     302             302             login   login 302        302     login
admin:localities_practicecommissioner_simple_history      login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:localities_practicecommissioner_changelist          login     200             200             login   login 200        403     login
admin:localities_practicecommissioner_add                 login     403             403             login   login 200        403     login
admin:localities_practicecommissioner_history             login     200/404         200/404         login   login 200        403     login
admin:localities_practicecommissioner_delete              login     403             403             login   login 403        403     login
admin:localities_practicecommissioner_change              login     200/404;403     200/404;403     login   login 200        403     login
admin/localities/practicecommissioner/<path:object_id>/   login     302             302             login   login 302        302     login
admin:localities_locality_simple_history                  login     200/404;405     200/404;405     login   login 200;405    200;405 login
admin:localities_locality_changelist                      login     200             200             login   login 200        200     login
admin:localities_locality_add                             login     200             403             login   login 200        403     login
admin:localities_locality_history                         login     200/404         200/404         login   login 200        200     login
admin:localities_locality_delete                          login     403             403             login   login 403        403     login
admin:localities_locality_change                          login     200/404         200/404;403     login   login 200        200;403 login
admin/localities/locality/<path:object_id>/               login     302             302             login   login 302        302     login
admin:localities_localityvehicle_simple_history           login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:localities_localityvehicle_changelist               login     200             200             login   login 200        403     login
admin:localities_localityvehicle_add                      login     403             403             login   login 403        403     login
admin:localities_localityvehicle_history                  login     200/404         200/404         login   login 200        403     login
admin:localities_localityvehicle_delete                   login     403             403             login   login 403        403     login
admin:localities_localityvehicle_change                   login     200/404;403     200/404;403     login   login 200;302    403     login
admin/localities/localityvehicle/<path:object_id>/        login     302             302             login   login 302        302     login
admin:localities_sublocality_simple_history               login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:localities_sublocality_changelist                   login     200             200             login   login 200        403     login
admin:localities_sublocality_add                          login     403             403             login   login 403        403     login
admin:localities_sublocality_history                      login     200/404         200/404         login   login 200        403     login
admin:localities_sublocality_delete                       login     403             403             login   login 403        403     login
admin:localities_sublocality_change                       login     200/404;403     200/404;403     login   login 200;403    403     login
admin/localities/sublocality/<path:object_id>/            login     302             302             login   login 302        302     login
admin:localities_localitymembership_simple_history        login     200/404;405     200/404;405     login   login 200;405    200;405 login
admin:localities_localitymembership_changelist            login     200             200             login   login 200        200     login
admin:localities_localitymembership_add                   login     403             403             login   login 403        403     login
admin:localities_localitymembership_history               login     200/404         200/404         login   login 200        200     login
admin:localities_localitymembership_delete                login     403             403             login   login 403        403     login
admin:localities_localitymembership_change                login     200/404;403     200/404;403     login   login 200;403    200;403 login
admin/localities/localitymembership/<path:object_id>/     login     302             302             login   login 302        302     login
admin:localities_representative_simple_history            login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:localities_representative_changelist                login     200             200             login   login 200        403     login
admin:localities_representative_add                       login     403             403             login   login 403        403     login
admin:localities_representative_history                   login     200/404         200/404         login   login 200        403     login
admin:localities_representative_delete                    login     403             403             login   login 403        403     login
admin:localities_representative_change                    login     200/404;403     200/404;403     login   login 200;403    403     login
admin/localities/representative/<path:object_id>/         login     302             302             login   login 302        302     login
admin:localities_importrecord_membership_template         login     404             404             login   login 200        404     login
admin:localities_importrecord_process_import              login     405;403         405;403         login   login 405;404    405;403 login
admin:localities_importrecord_import                      login     403             403             login   login 200        403     login
admin:localities_importrecord_simple_history              login     200;405         403;405         login   login 200;405    403;405 login
admin:localities_importrecord_changelist                  login     200             403             login   login 200        403     login
admin:localities_importrecord_add                         login     403             403             login   login 403        403     login
admin:localities_importrecord_history                     login     200             403             login   login 200        403     login
admin:localities_importrecord_delete                      login     403             403             login   login 403        403     login
admin:localities_importrecord_change                      login     200             403             login   login 200        403     login
admin/localities/importrecord/<path:object_id>/           login     302             302             login   login 302        302     login
admin:localities_practice_process_import                  login     405;403         405;403         login   login 405;404    405;403 login
admin:localities_practice_import                          login     403             403             login   login 200        403     login
admin:localities_practice_export                          login     200             200             login   login 200        200     login
admin:localities_practice_simple_history                  login     200/404;405     200/404;405     login   login 200;405    200;405 login
admin:localities_practice_changelist                      login     200             200             login   login 200        200     login
admin:localities_practice_add                             login     403             403             login   login 200        403     login
admin:localities_practice_history                         login     200/404         200/404         login   login 200        200     login
admin:localities_practice_delete                          login     403             403             login   login 403        403     login
admin:localities_practice_change                          login     200/404;403     200/404;403     login   login 200        200;403 login
admin/localities/practice/<path:object_id>/               login     302             302             login   login 302        302     login
admin:localities_listsizesnapshot_process_import          login     405;403         405;403         login   login 405;404    405;403 login
admin:localities_listsizesnapshot_import                  login     403             403             login   login 200        403     login
admin:localities_listsizesnapshot_export                  login     200             200             login   login 200        200     login
admin:localities_listsizesnapshot_simple_history          login     200/404;405     200/404;405     login   login 200;405    200;405 login
admin:localities_listsizesnapshot_changelist              login     200             200             login   login 200        200     login
admin:localities_listsizesnapshot_add                     login     403             403             login   login 200        403     login
admin:localities_listsizesnapshot_history                 login     200/404         200/404         login   login 200        200     login
admin:localities_listsizesnapshot_delete                  login     403             403             login   login 403        403     login
admin:localities_listsizesnapshot_change                  login     200/404;403     200/404;403     login   login 200        200;403 login
admin/localities/listsizesnapshot/<path:object_id>/       login     302             302             login   login 302        302     login
admin:funding_scheme_simple_history                       login     200;405         200;405         login   login 200;405    403;405 login
admin:funding_scheme_changelist                           login     200             200             login   login 200        403     login
admin:funding_scheme_add                                  login     200             403             login   login 200        403     login
admin:funding_scheme_history                              login     200             200             login   login 200        403     login
admin:funding_scheme_delete                               login     403             403             login   login 403        403     login
admin:funding_scheme_change                               login     200             200;403         login   login 200        403     login
admin/funding/scheme/<path:object_id>/                    login     302             302             login   login 302        302     login
admin:funding_phase_simple_history                        login     200;405         200;405         login   login 200;405    403;405 login
admin:funding_phase_changelist                            login     200             200             login   login 200        403     login
admin:funding_phase_add                                   login     200             403             login   login 200        403     login
admin:funding_phase_history                               login     200             200             login   login 200        403     login
admin:funding_phase_delete                                login     403             403             login   login 403        403     login
admin:funding_phase_change                                login     200             200;403         login   login 200        403     login
admin/funding/phase/<path:object_id>/                     login     302             302             login   login 302        302     login
admin:funding_checklistitem_simple_history                login     200;405         200;405         login   login 200;405    403;405 login
admin:funding_checklistitem_changelist                    login     200             200             login   login 200        403     login
admin:funding_checklistitem_add                           login     200             403             login   login 200        403     login
admin:funding_checklistitem_history                       login     200             200             login   login 200        403     login
admin:funding_checklistitem_delete                        login     403             403             login   login 403        403     login
admin:funding_checklistitem_change                        login     200             200;403         login   login 200        403     login
admin/funding/checklistitem/<path:object_id>/             login     302             302             login   login 302        302     login
admin:funding_evidence_simple_history                     login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:funding_evidence_changelist                         login     200             200             login   login 200        403     login
admin:funding_evidence_add                                login     403             403             login   login 403        403     login
admin:funding_evidence_history                            login     200/404         200/404         login   login 200        403     login
admin:funding_evidence_delete                             login     403             403             login   login 403        403     login
admin:funding_evidence_change                             login     200/404;403     200/404;403     login   login 200;403    403     login
admin/funding/evidence/<path:object_id>/                  login     302             302             login   login 302        302     login
admin:funding_evidencefile_simple_history                 login     200/404;405     403/404;405     login   login 200;405    403;405 login
admin:funding_evidencefile_changelist                     login     200             403             login   login 200        403     login
admin:funding_evidencefile_add                            login     403             403             login   login 403        403     login
admin:funding_evidencefile_history                        login     200/404         403/404         login   login 200        403     login
admin:funding_evidencefile_delete                         login     403             403             login   login 403        403     login
admin:funding_evidencefile_change                         login     200/404;403     403             login   login 200;403    403     login
admin/funding/evidencefile/<path:object_id>/              login     302             302             login   login 302        302     login
admin:funding_evidencetransition_simple_history           login     200/404;405     403/404;405     login   login 200;405    403;405 login
admin:funding_evidencetransition_changelist               login     200             403             login   login 200        403     login
admin:funding_evidencetransition_add                      login     403             403             login   login 403        403     login
admin:funding_evidencetransition_history                  login     200/404         403/404         login   login 200        403     login
admin:funding_evidencetransition_delete                   login     403             403             login   login 403        403     login
admin:funding_evidencetransition_change                   login     200/404;403     403             login   login 200;403    403     login
admin/funding/evidencetransition/<path:object_id>/        login     302             302             login   login 302        302     login
admin:funding_sentreminder_simple_history                 login     200/404;405     403/404;405     login   login 200;405    403;405 login
admin:funding_sentreminder_changelist                     login     200             403             login   login 200        403     login
admin:funding_sentreminder_add                            login     403             403             login   login 403        403     login
admin:funding_sentreminder_history                        login     200/404         403/404         login   login 200        403     login
admin:funding_sentreminder_delete                         login     403             403             login   login 403        403     login
admin:funding_sentreminder_change                         login     200/404;403     403             login   login 200;403    403     login
admin/funding/sentreminder/<path:object_id>/              login     302             302             login   login 302        302     login
admin:funding_evaluationrequest_simple_history            login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:funding_evaluationrequest_changelist                login     200             200             login   login 200        403     login
admin:funding_evaluationrequest_add                       login     403             403             login   login 403        403     login
admin:funding_evaluationrequest_history                   login     200/404         200/404         login   login 200        403     login
admin:funding_evaluationrequest_delete                    login     403             403             login   login 403        403     login
admin:funding_evaluationrequest_change                    login     200/404;403     200/404;403     login   login 200;403    403     login
admin/funding/evaluationrequest/<path:object_id>/         login     302             302             login   login 302        302     login
admin:funding_tranche_simple_history                      login     200;405         200;405         login   login 200;405    403;405 login
admin:funding_tranche_changelist                          login     200             200             login   login 200        403     login
admin:funding_tranche_add                                 login     200             403             login   login 403        403     login
admin:funding_tranche_history                             login     200             200             login   login 200        403     login
admin:funding_tranche_delete                              login     403             403             login   login 403        403     login
admin:funding_tranche_change                              login     200             200;403         login   login 200;403    403     login
admin/funding/tranche/<path:object_id>/                   login     302             302             login   login 302        302     login
admin:funding_release_step                                login     405;302/404     405;302/404     login   login 405;302    405;403 login
admin:funding_release_simple_history                      login     200/404;405     200/404;405     login   login 200;405    403;405 login
admin:funding_release_changelist                          login     200             200             login   login 200        403     login
admin:funding_release_add                                 login     403             403             login   login 403        403     login
admin:funding_release_history                             login     200/404         200/404         login   login 200        403     login
admin:funding_release_delete                              login     403             403             login   login 403        403     login
admin:funding_release_change                              login     200/404;403/404 200/404;403/404 login   login 200;403    403     login
admin/funding/release/<path:object_id>/                   login     302             302             login   login 302        302     login
admin:funding_milestoneevaluation_changelist              login     200             200             login   login 200        403     login
admin:funding_milestoneevaluation_add                     login     403             403             login   login 403        403     login
admin:funding_milestoneevaluation_history                 login     200/404         200/404         login   login 200        403     login
admin:funding_milestoneevaluation_delete                  login     403             403             login   login 403        403     login
admin:funding_milestoneevaluation_change                  login     200/404;403     200/404;403     login   login 200;403    403     login
admin/funding/milestoneevaluation/<path:object_id>/       login     302             302             login   login 302        302     login
admin:funding_paymentrun_step                             login     405;302/404     405;302/404     login   login 405;302    405;403 login
admin:funding_paymentrun_export                           login     200/404         200/404         login   login 200        403     login
admin:funding_paymentrun_simple_history                   login     200/404;405     200/404;405     login   login 200;405    404;405 login
admin:funding_paymentrun_changelist                       login     200             200             login   login 200        403     login
admin:funding_paymentrun_add                              login     403             200             login   login 403        403     login
admin:funding_paymentrun_history                          login     200/404         200/404         login   login 200        404     login
admin:funding_paymentrun_delete                           login     403             403             login   login 403        403     login
admin:funding_paymentrun_change                           login     200/404;403/404 200/404;403/404 login   login 200;403    403     login
admin/funding/paymentrun/<path:object_id>/                login     302             302             login   login 302        302     login
admin:funding_delegatedlimit_simple_history               login     404;405         404;405         login   login 404;405    404;405 login
admin:funding_delegatedlimit_changelist                   login     200             200             login   login 403        403     login
admin:funding_delegatedlimit_add                          login     403             403             login   login 403        403     login
admin:funding_delegatedlimit_history                      login     200             200             login   login 403        403     login
admin:funding_delegatedlimit_delete                       login     403             403             login   login 403        403     login
admin:funding_delegatedlimit_change                       login     200;403         200             login   login 403        403     login
admin/funding/delegatedlimit/<path:object_id>/            login     302             302             login   login 302        302     login
admin:funding_rulechange_decide                           login     200             200             login   login 403        403     login
admin:funding_rulechange_simple_history                   login     200;405         200;405         login   login 403;405    403;405 login
admin:funding_rulechange_changelist                       login     200             200             login   login 403        403     login
admin:funding_rulechange_add                              login     403             403             login   login 403        403     login
admin:funding_rulechange_history                          login     200             200             login   login 403        403     login
admin:funding_rulechange_delete                           login     403             403             login   login 403        403     login
admin:funding_rulechange_change                           login     200;403         200;403         login   login 403        403     login
admin/funding/rulechange/<path:object_id>/                login     302             302             login   login 302        302     login
admin:improved_access_compliancerule_simple_history       login     200;405         403;405         login   login 403;405    403;405 login
admin:improved_access_compliancerule_changelist           login     200             403             login   login 403        403     login
admin:improved_access_compliancerule_add                  login     200             403             login   login 403        403     login
admin:improved_access_compliancerule_history              login     200             403             login   login 403        403     login
admin:improved_access_compliancerule_delete               login     403             403             login   login 403        403     login
admin:improved_access_compliancerule_change               login     200             403             login   login 403        403     login
admin/improved_access/compliancerule/<path:object_id>/    login     302             302             login   login 302        302     login
admin:improved_access_paymentterms_simple_history         login     200;405         200;405         login   login 403;405    403;405 login
admin:improved_access_paymentterms_changelist             login     200             200             login   login 403        403     login
admin:improved_access_paymentterms_add                    login     200             403             login   login 403        403     login
admin:improved_access_paymentterms_history                login     200             200             login   login 403        403     login
admin:improved_access_paymentterms_delete                 login     403             403             login   login 403        403     login
admin:improved_access_paymentterms_change                 login     200             200;403         login   login 403        403     login
admin/improved_access/paymentterms/<path:object_id>/      login     302             302             login   login 302        302     login
admin:improved_access_plan_simple_history                 login     200/404;405     403/404;405     login   login 403;405    403;405 login
admin:improved_access_plan_changelist                     login     200             403             login   login 403        403     login
admin:improved_access_plan_add                            login     403             403             login   login 403        403     login
admin:improved_access_plan_history                        login     200/404         403/404         login   login 403        403     login
admin:improved_access_plan_delete                         login     403             403             login   login 403        403     login
admin:improved_access_plan_change                         login     200/404;403     403             login   login 403        403     login
admin/improved_access/plan/<path:object_id>/              login     302             302             login   login 302        302     login
admin:improved_access_quarterassessment_simple_history    login     200/404;405     200/404;405     login   login 403;405    403;405 login
admin:improved_access_quarterassessment_changelist        login     200             200             login   login 403        403     login
admin:improved_access_quarterassessment_add               login     403             403             login   login 403        403     login
admin:improved_access_quarterassessment_history           login     200/404         200/404         login   login 403        403     login
admin:improved_access_quarterassessment_delete            login     403             403             login   login 403        403     login
admin:improved_access_quarterassessment_change            login     200/404;403     200/404;403     login   login 403        403     login
admin/improved_access/quarterassessment/<path:object_id>/ login     302             302             login   login 302        302     login
admin:improved_access_activityreturn_simple_history       login     200/404;405     403/404;405     login   login 403;405    403;405 login
admin:improved_access_activityreturn_changelist           login     200             403             login   login 403        403     login
admin:improved_access_activityreturn_add                  login     403             403             login   login 403        403     login
admin:improved_access_activityreturn_history              login     200/404         403/404         login   login 403        403     login
admin:improved_access_activityreturn_delete               login     403             403             login   login 403        403     login
admin:improved_access_activityreturn_change               login     200/404;403     403             login   login 403        403     login
admin/improved_access/activityreturn/<path:object_id>/    login     302             302             login   login 302        302     login
admin:membership_member_simple_history                    login     403;405         403;405         login   login 403;405    200;405 login
admin:membership_member_changelist                        login     403             403             login   login 403        200     login
admin:membership_member_add                               login     403             403             login   login 403        200     login
admin:membership_member_history                           login     403             403             login   login 403        200     login
admin:membership_member_delete                            login     403             403             login   login 403        403     login
admin:membership_member_change                            login     403             403             login   login 403        200     login
admin/membership/member/<path:object_id>/                 login     302             302             login   login 302        302     login
admin:ballots_ballot_simple_history                       login     403;405         403;405         login   login 403;405    200;405 login
admin:ballots_ballot_changelist                           login     403             403             login   login 403        200     login
admin:ballots_ballot_add                                  login     403             403             login   login 403        200     login
admin:ballots_ballot_history                              login     403             403             login   login 403        200     login
admin:ballots_ballot_delete                               login     403             403             login   login 403        403     login
admin:ballots_ballot_change                               login     403             403             login   login 403        200;403 login
admin/ballots/ballot/<path:object_id>/                    login     302             302             login   login 302        302     login
admin:ballots_decision_simple_history                     login     403/404;405     403/404;405     login   login 403;405    200;405 login
admin:ballots_decision_changelist                         login     403             403             login   login 403        200     login
admin:ballots_decision_add                                login     403             403             login   login 403        200     login
admin:ballots_decision_history                            login     403/404         403/404         login   login 403        200     login
admin:ballots_decision_delete                             login     403             403             login   login 403        403     login
admin:ballots_decision_change                             login     403             403             login   login 403        200     login
admin/ballots/decision/<path:object_id>/                  login     302             302             login   login 302        302     login
admin:businessplan_area_simple_history                    login     404;405         404;405         login   login 404;405    404;405 login
admin:businessplan_area_changelist                        login     403             403             login   login 403        200     login
admin:businessplan_area_add                               login     403             403             login   login 403        200     login
admin:businessplan_area_history                           login     404             404             login   login 404        404     login
admin:businessplan_area_delete                            login     403             403             login   login 403        403     login
admin:businessplan_area_change                            login     403             403             login   login 403        404     login
admin/businessplan/area/<path:object_id>/                 login     302             302             login   login 302        302     login
admin:businessplan_activity_simple_history                login     404;405         404;405         login   login 404;405    404;405 login
admin:businessplan_activity_changelist                    login     403             403             login   login 403        200     login
admin:businessplan_activity_add                           login     403             403             login   login 403        200     login
admin:businessplan_activity_history                       login     404             404             login   login 404        404     login
admin:businessplan_activity_delete                        login     403             403             login   login 403        403     login
admin:businessplan_activity_change                        login     403             403             login   login 403        404     login
admin/businessplan/activity/<path:object_id>/             login     302             302             login   login 302        302     login
admin:businessplan_risk_simple_history                    login     404;405         404;405         login   login 404;405    404;405 login
admin:businessplan_risk_changelist                        login     403             403             login   login 403        200     login
admin:businessplan_risk_add                               login     403             403             login   login 403        200     login
admin:businessplan_risk_history                           login     404             404             login   login 404        404     login
admin:businessplan_risk_delete                            login     403             403             login   login 403        403     login
admin:businessplan_risk_change                            login     403             403             login   login 403        404     login
admin/businessplan/risk/<path:object_id>/                 login     302             302             login   login 302        302     login
admin:businessplan_incomesource_simple_history            login     404;405         404;405         login   login 404;405    404;405 login
admin:businessplan_incomesource_changelist                login     403             403             login   login 403        200     login
admin:businessplan_incomesource_add                       login     403             403             login   login 403        200     login
admin:businessplan_incomesource_history                   login     404             404             login   login 404        404     login
admin:businessplan_incomesource_delete                    login     403             403             login   login 403        403     login
admin:businessplan_incomesource_change                    login     403             403             login   login 403        404     login
admin/businessplan/incomesource/<path:object_id>/         login     302             302             login   login 302        302     login
"""
# fmt: on


def parse(table: str) -> dict[str, dict[str, str]]:
    lines = [line.split() for line in table.strip().splitlines()]
    if not lines:
        return {}
    header, rows = lines[0][1:], lines[1:]
    assert header == COLUMNS
    return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}


MATRIX = parse(ADMIN_MATRIX)


def admin_patterns() -> list[Pattern]:
    return [pattern for pattern in all_patterns() if pattern.admin_model]


def row_name(pattern: Pattern) -> str:
    return pattern.name if pattern.name.startswith("admin:") else pattern.route


def url_about(pattern: Pattern, world, side) -> str:
    """The pattern's URL about the side's record (the same for both sides where it names no record)."""
    record = record_for(pattern.admin_model, world, side)
    pk = str(record.pk) if record is not None else "0"
    values = {"object_id": pk, "pk": pk, "id": pk, "format": PARAMETERS["format"], "kind": PARAMETERS["kind"]}
    values["step"] = PARAMETERS["step"].get(pattern.admin_model, "none")
    if "([^/]+)" in pattern.route:  # django-simple-history's (record, historical version) groups
        version = record.history.order_by("-history_id").first() if record is not None else None
        return reverse(pattern.name, args=[pk, str(version.history_id if version else 0)])
    kwargs = {param: values[param] for param in pattern.params}
    if pattern.name.startswith("admin:"):
        return reverse(pattern.name, kwargs=kwargs)
    route = pattern.route  # the model admin's nameless "<object_id>/" redirect
    for param, value in kwargs.items():
        route = route.replace(f"<path:{param}>", value)
    return "/" + route


def answer(response) -> str:
    if response.status_code == 302 and response.url.startswith(LOGIN_URLS):
        return "login"
    return str(response.status_code)


def both(answers: tuple[str, str]) -> str:
    own, other = answers
    return own if own == other else f"{own}/{other}"


def cell(client, pattern: Pattern, world) -> str:
    urls = [url_about(pattern, world, side) for side in (world.own, world.other)]
    gets = tuple(answer(client.get(url)) for url in urls)
    posts = tuple(answer(client.post(url, {})) for url in urls)
    get, post = both(gets), both(posts)
    return get if get == post else f"{get};{post}"


@pytest.fixture
def world():
    return build_admin_world()


def test_every_admin_url_pattern_has_a_row():
    names = [row_name(pattern) for pattern in admin_patterns()]
    missing = [name for name in names if name not in MATRIX]
    assert not missing, f"add these admin URL patterns to ADMIN_MATRIX: {missing}"
    stale = set(MATRIX) - set(names)
    assert not stale, f"ADMIN_MATRIX names patterns that no longer exist: {sorted(stale)}"


def test_the_world_has_a_record_of_each_scoped_model_on_each_side():
    world = build_admin_world()
    for label in sorted(SCOPED_MODELS):
        own, other = (record_for(label, world, side) for side in (world.own, world.other))
        assert own is not None and other is not None and own.pk != other.pk, label


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: COLUMN_OF[p])
def test_the_admin_answers_each_person_as_the_matrix_says(client, world, person):
    if person != ANONYMOUS:
        login_verified(client, world.users[person])
    column = COLUMN_OF[person]
    observed, wrong = {}, []
    for pattern in admin_patterns():
        got = cell(client, pattern, world)
        observed[row_name(pattern)] = got
        expected = MATRIX.get(row_name(pattern), {}).get(column)
        if got != expected:
            wrong.append(f"{row_name(pattern)}: expected {expected}, got {got}")
    if os.environ.get("ADMIN_MATRIX_PRINT"):
        print(f"\n--- {column}\n" + "\n".join(f"{name} {got}" for name, got in observed.items()))
    assert not wrong, f"{column}:\n  " + "\n  ".join(wrong)


STAFF = {Role.COMMISSIONER, Role.FINANCE_APPROVER}


def test_no_history_version_can_be_posted_and_no_other_ccg_record_opens():
    """Whatever the table says: a historical version is never written back, and another CCG's record never opens."""
    for row, cells in MATRIX.items():
        for column, value in cells.items():
            get, _, post = value.partition(";")
            post = post or get
            if "/history/" in row and row.startswith("^") or "simple_history" in row:
                assert post.split("/")[0] in {"405", "login", "403", "404"}, (row, column, value)
            if column in ("commissioner", "finance") and "/" in get:
                assert get.split("/")[1] in {"403", "404", "login"}, (row, column, value)
